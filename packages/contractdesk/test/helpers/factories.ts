import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { Contract } from '../../src/entities/contract.entity';
import { User } from '../../src/entities/user.entity';
import { PartyRole } from '../../src/domain/party-role';

let seq = 0;

export function uniqueName(prefix = 'user'): string {
  return `${prefix}${++seq}${randomBytes(3).toString('hex')}`;
}

export async function makeUser(em: EntityManager, role: PartyRole = PartyRole.Both, username = uniqueName()): Promise<User> {
  const user = new User({ username, email: `${username}@example.com`, role });
  await em.persistAndFlush(user);
  return user;
}

export async function makeContract(em: EntityManager, props: Partial<{ amount: bigint | string | number; title: string }> = {}): Promise<Contract> {
  const client = await makeUser(em, PartyRole.Client);
  const freelancer = await makeUser(em, PartyRole.Freelancer);
  const contract = new Contract({ title: props.title ?? 'Logo design', client, freelancer, amount: props.amount ?? 1_000_000n });
  await em.persistAndFlush(contract);
  return contract;
}

/** A valid Web Push key pair shape: 65-byte uncompressed point (0x04 …) and a 16-byte auth secret. */
export function pushKeys(seed = randomBytes(4).toString('hex')): { p256dh: string; auth: string } {
  const point = Buffer.alloc(65, 0);
  point[0] = 0x04;
  Buffer.from(seed.padEnd(64, 'x')).copy(point, 1, 0, 64);
  return { p256dh: point.toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

export function fcmEndpoint(token = randomBytes(12).toString('hex')): string {
  return `https://fcm.googleapis.com/fcm/send/${token}`;
}
