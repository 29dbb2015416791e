import type { EntityManager } from '@mikro-orm/knex';
import { ContractService } from 'contractdesk';
import type { DialectContext } from './context';
import type { Dataset } from './data';
import { ServicesImpl } from './impl/orm';

export interface MemoryReport {
  dialect: string;
  reads: number;
  gcExposed: boolean;
  /** heapUsed in MiB after a full GC: before the reads, then after each tenth of them. */
  heapMiB: number[];
  seconds: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapMiB(): number {
  gc?.();
  gc?.();
  return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
}

/**
 * W2 over `reads` point reads through ONE long-lived ContractService (ids cycle through the dataset).
 * With an identity map per unit of work the heap after GC must stay flat; a service that kept entities
 * in a shared identity map would grow by every contract it ever returned.
 */
export async function memoryCheck(ctx: DialectContext, data: Dataset, reads: number): Promise<MemoryReport> {
  await ctx.reset();
  await ctx.impls.raw.w1(data);
  const services = ctx.impls.services as ServicesImpl;
  const service = new ContractService(services.orm.em as EntityManager);
  const ids = data.contracts.map((c) => c.id);
  const heap = [heapMiB()];
  const tenth = Math.max(1, Math.floor(reads / 10));
  const start = process.hrtime.bigint();
  let checksum = 0n;
  for (let i = 0; i < reads; i++) {
    const contract = await service.get(ids[i % ids.length]);
    checksum += contract.amount;
    if ((i + 1) % tenth === 0) heap.push(heapMiB());
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rounds = BigInt(Math.floor(reads / ids.length));
  const full = data.contracts.reduce((a, c) => a + c.amount, 0n);
  const rest = data.contracts.slice(0, reads % ids.length).reduce((a, c) => a + c.amount, 0n);
  if (checksum !== full * rounds + rest) throw new Error(`memory check: wrong amounts read on ${ctx.dialect}`);
  return { dialect: ctx.dialect, reads, gcExposed: Boolean(gc), heapMiB: heap, seconds };
}
