import { createHash } from 'node:crypto';
import type { Row } from './raw-db';
import type { ColumnKind, TableSpec } from './table-specs';

/**
 * Order-independent content checksum of one table: the lane-wise sum (eight 32-bit lanes, each mod
 * 2^32) of the SHA-256 of each row's canonical text. Independent of row order, so the two databases'
 * collations never matter, yet every row counts (a duplicated or missing row changes the sum). The
 * canonical text is the same whichever driver read the row: int64 as exact decimal, datetimes as the
 * ISO instant, uuids lower-case.
 */
export class TableChecksum {
  private readonly lanes = new Uint32Array(8);
  rows = 0;

  constructor(private readonly spec: TableSpec) {}

  add(row: Row): void {
    const text = JSON.stringify(row.map((v, i) => canonical(v, this.spec.columns[i].kind)));
    const hash = createHash('sha256').update(text).digest();
    // Uint32Array stores wrap mod 2^32, which is exactly the lane arithmetic wanted.
    for (let i = 0; i < 8; i++) this.lanes[i] += hash.readUInt32BE(i * 4);
    this.rows++;
  }

  digest(): string {
    return Array.from(this.lanes, (lane) => lane.toString(16).padStart(8, '0')).join('');
  }
}

export function canonical(value: Row[number], kind: ColumnKind): string | null {
  if (value === null) return null;
  switch (kind) {
    case 'uuid':
      return String(value).toLowerCase();
    case 'datetime':
      return isoMicros(value as number);
    default:
      return String(value);
  }
}

/** Epoch microseconds → `2026-01-01T12:00:00.123456Z`, an instant PostgreSQL parses exactly. */
export function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const rest = micros - ms * 1000;
  return `${new Date(ms).toISOString().slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

export interface TableSummary {
  table: string;
  rows: number;
  checksum: string;
}
