import { DefaultLogger, type LogContext, type Logger, type LoggerNamespace, type LoggerOptions, type Options } from '@mikro-orm/core';

/**
 * What the ORM logged, handed to a host's sink instead of written as text. The host decides the format
 * (JSON lines, spans…); the library stays free of any logging framework.
 */
export interface OrmLogEntry {
  namespace: LoggerNamespace | (string & {});
  level: 'info' | 'warning' | 'error';
  /** For 'query' the statement with its placeholders; values are inlined only under the 'query-params' namespace. */
  message: string;
  /** Present for 'query' entries. */
  query?: OrmQueryEntry;
}

export interface OrmQueryEntry {
  /** Milliseconds the statement took (absent for statements logged after the fact, e.g. a savepoint). */
  tookMs?: number;
  /** Rows a read returned. */
  results?: number;
  /** Rows a write changed. */
  affected?: number;
  failed: boolean;
  /** 'read' (a replica) or 'write'. */
  connection?: 'read' | 'write';
}

export type OrmLogSink = (entry: OrmLogEntry) => void;

/**
 * Every MikroORM namespace but 'query-params': `DB_DEBUG=true` shows statements, not the values bound to them
 * (personal data, secrets). Values are an explicit opt-in: `DB_DEBUG=query,query-params`.
 */
export const DB_DEBUG_NAMESPACES: readonly LoggerNamespace[] = Object.freeze(['query', 'schema', 'discovery', 'info', 'deprecated']);

const KNOWN_NAMESPACES: ReadonlySet<string> = new Set<LoggerNamespace>([...DB_DEBUG_NAMESPACES, 'query-params']);

/**
 * DB_DEBUG → MikroORM's `debug`: unset/false = off, true = DB_DEBUG_NAMESPACES, or a comma-separated list of
 * namespaces. Anything else is ignored as off, as `DB_DEBUG=yes` always was.
 */
export function debugNamespaces(raw: string | undefined): LoggerNamespace[] | false {
  const value = raw?.trim();
  if (!value || value === 'false') return false;
  if (value === 'true') return [...DB_DEBUG_NAMESPACES];
  const list = value.split(',').map((part) => part.trim()).filter((part) => KNOWN_NAMESPACES.has(part)) as LoggerNamespace[];
  return list.length ? list : false;
}

/**
 * MikroORM's DefaultLogger with its writer replaced by a structured sink. It keeps DefaultLogger's `isEnabled`
 * (the `debug` namespaces, and the per-call `logger: { enabled }` override), so the library's own lean
 * statements honour the same switches as MikroORM's.
 */
class SinkLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly sink: OrmLogSink,
  ) {
    super(options);
  }

  override log(namespace: LoggerNamespace | (string & {}), message: string, context?: LogContext): void {
    if (!this.isEnabled(namespace as LoggerNamespace, context)) return;
    this.sink({ namespace, level: levelOf(context), message: plain(message) });
  }

  override logQuery(context: LogContext & { query: string }): void {
    if (!this.isEnabled('query', context)) return;
    // context.params always holds the bound values: never forwarded, whatever the namespaces.
    this.sink({
      namespace: 'query',
      level: levelOf(context),
      message: plain(context.query),
      query: {
        tookMs: context.took,
        results: context.results,
        affected: context.affected,
        failed: context.level === 'error',
        connection: context.connection?.type as 'read' | 'write' | undefined,
      },
    });
  }
}

/** As DefaultLogger prints it, minus the terminal colours MikroORM puts into some messages: one plain line. */
function plain(message: string): string {
  return message.replace(/\u001b\[[0-9;]*m/g, '').replace(/\s*\n\s*/g, ' ').trim();
}

function levelOf(context: LogContext | undefined): OrmLogEntry['level'] {
  return context?.level === 'error' ? 'error' : context?.level === 'warning' ? 'warning' : 'info';
}

/**
 * ORM options (for ContractDeskModule's `orm`, createConfig's overrides or initOrm's `options`) that send the
 * given namespaces to `sink`. A host wanting MikroORM's own logger interface passes `loggerFactory` instead.
 */
export function ormLogTo(sink: OrmLogSink, namespaces: readonly LoggerNamespace[]): Pick<Options, 'debug' | 'loggerFactory'> {
  return {
    debug: namespaces.length ? [...namespaces] : false,
    loggerFactory: (options: LoggerOptions): Logger => new SinkLogger(options, sink),
  };
}
