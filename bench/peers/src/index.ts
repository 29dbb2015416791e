import 'reflect-metadata';
import type { Impl, PeerName, PeerTarget, PeersModule } from '../../impl/types';
import { KyselyImpl } from './kysely';
import { DrizzleImpl } from './drizzle';
import { TypeOrmImpl } from './typeorm';

/** Entry point loaded by bench/peers-loader.ts: one peer implementation on one database. */
export const createPeer: PeersModule['createPeer'] = async (name: PeerName, target: PeerTarget): Promise<Impl> => {
  switch (name) {
    case 'kysely':
      return KyselyImpl.open(target);
    case 'drizzle':
      return DrizzleImpl.open(target);
    case 'typeorm':
      return TypeOrmImpl.open(target);
  }
};
