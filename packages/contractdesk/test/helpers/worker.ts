/**
 * The child side of the tests' process workers: a start barrier, so that several processes begin their work at
 * the same moment, and one way to end on failure.
 */

/** Says READY, then waits until the parent writes to stdin (it releases every process at once). */
export async function waitForRelease(): Promise<void> {
  process.stdout.write('READY\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.destroy(); // a flowing stdin would keep the process alive after its work
}

/** Runs a worker's main; a failure goes to stderr with its stack and exit code 1. */
export function runWorker(main: () => Promise<void>): void {
  main().catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
