import { type Env, resolveBackend } from '../../config/backend';
import { DatabaseStartupError, databaseStartupError } from '../../errors/database-startup';
import { DomainError } from '../../errors/domain-error';

/** Exit codes shared by the operator commands. */
export const EXIT = { ok: 0, notOk: 1, refused: 2, failed: 3 } as const;

/** One line for an operator: the stable code, a message without driver text, and the fix when we know it. */
export function errorLine(error: DomainError): string {
  return error instanceof DatabaseStartupError ? error.line() : `${error.code}: ${error.message}`;
}

/**
 * Runs a command's body and turns what it throws into one line on stderr and an exit code: typed refusals
 * (usage, config, a migration that cannot be reverted) exit 2, an unreachable database 3, and only an error
 * nobody anticipated prints its stack (that is a bug to report, and the stack is what a fix needs).
 */
export function runCommand(name: string, env: Env, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      let known: DomainError | undefined;
      try {
        known = databaseStartupError(error, resolveBackend(env));
      } catch (configError) {
        known = configError instanceof DomainError ? configError : undefined;
      }
      if (known) {
        process.stderr.write(`${name}: ${errorLine(known)}\n`);
        process.exit(known.kind === 'unavailable' ? EXIT.failed : EXIT.refused);
      }
      process.stderr.write(`${name} failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(EXIT.failed);
    },
  );
}
