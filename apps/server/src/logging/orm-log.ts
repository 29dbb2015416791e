import type { Options } from '@mikro-orm/core';
import { type Env, type OrmLogEntry, debugNamespaces, ormLogTo } from 'contractdesk';
import type { Tracing } from '../tracing/tracing';
import type { AppLogger } from './logger';

/**
 * The ORM's log through the app's logger: DB_DEBUG's namespaces as lines (statements without their values unless
 * 'query-params' is listed), and every statement to tracing when it is on. With neither, the ORM only reports
 * its warnings (deprecations), and its statements skip the logging path entirely.
 */
export function ormLogOptions(log: AppLogger, env: Env, tracing: Tracing | undefined): Pick<Options, 'debug' | 'loggerFactory'> {
  const debug = debugNamespaces(env.DB_DEBUG) || [];
  const logQueries = debug.includes('query');
  const orm = log.child({ context: 'MikroORM' });
  const sink = (entry: OrmLogEntry): void => {
    const query = entry.query;
    if (!query) return void orm[entry.level === 'warning' ? 'warn' : entry.level]({ namespace: entry.namespace }, entry.message);
    tracing?.recordQuery(entry);
    if (!logQueries) return;
    const fields = { namespace: 'query', durationMs: query.tookMs, rows: query.results, affected: query.affected, connection: query.connection };
    if (query.failed) orm.warn(fields, entry.message);
    else orm.info(fields, entry.message);
  };
  return ormLogTo(sink, tracing && !logQueries ? [...debug, 'query'] : debug);
}
