/**
 * `npm run openapi`: writes the OpenAPI document generated from the controllers and DTOs to docs/openapi.json.
 * `npm run openapi:check`: exits 1 when the committed file differs from a fresh generation (CI runs it).
 * The app is built against a throwaway SQLite file: the document depends on the code only, not on settings.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApp } from '../src/create-app';
import { buildOpenApiDocument } from '../src/openapi';

export const DOCUMENT_PATH = join(__dirname, '..', '..', '..', 'docs', 'openapi.json');

/** Keys sorted at every level and a trailing newline, so the same code always gives the same bytes. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
  }
  return value;
}

export async function generateOpenApiJson(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'contractdesk-openapi-'));
  try {
    const { app } = await createApp(
      { DB_PATH: join(dir, 'openapi.sqlite3'), AUTH_JWT_SECRET: randomBytes(32).toString('hex') },
      { logger: false },
    );
    try {
      return stableJson(buildOpenApiDocument(app));
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const fresh = await generateOpenApiJson();
  const shown = relative(process.cwd(), DOCUMENT_PATH);
  if (!check) {
    writeFileSync(DOCUMENT_PATH, fresh);
    process.stdout.write(`[openapi] wrote ${shown}\n`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(DOCUMENT_PATH, 'utf8');
  } catch {
    // Reported below as a difference.
  }
  if (committed !== fresh) {
    process.stderr.write(`[openapi] ${shown} is not what the code generates: run \`npm run openapi\` and commit the result\n`);
    process.exit(1);
  }
  process.stdout.write(`[openapi] ${shown} matches the code\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`[openapi] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
