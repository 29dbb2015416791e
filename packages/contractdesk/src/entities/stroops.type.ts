import { BigIntType, type Platform } from '@mikro-orm/core';

/**
 * An int64 amount held as a JS bigint. better-sqlite3 returns integers above 2^53 rounded unless read
 * as BigInt, so every SELECT reads the column as text and we parse it exactly; pg returns int8 as text
 * anyway. Writes go out as decimal strings, which both databases coerce to their integer type.
 */
export class StroopsType extends BigIntType {
  constructor() {
    super('bigint');
  }

  override convertToJSValueSQL(key: string, _platform: Platform): string {
    return `cast(${key} as text)`;
  }
}
