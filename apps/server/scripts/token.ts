/**
 * `npm run token -- <subject> [--ttl <seconds>]`: prints a bearer token for <subject>, signed with the key the
 * app would use with the same environment: the development key under the data folder (created if missing),
 * or AUTH_JWT_SECRET. With AUTH_JWKS_URL the keys belong to the identity provider and this refuses.
 */
import { readAuthSettings } from '../src/auth/auth-settings';
import { hasLocalKeys, mintToken } from './mint-token';
import { DomainError } from '../../../packages/contractdesk/src/errors/domain-error';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ttlAt = args.indexOf('--ttl');
  const ttl = ttlAt >= 0 ? Number(args.splice(ttlAt, 2)[1]) : 3600;
  const [subject] = args;
  if (!subject || args.length !== 1 || !Number.isInteger(ttl) || ttl < 1 || ttl > 86_400 * 30) {
    throw new Error('usage: npm run token -- <subject> [--ttl <seconds, at most 30 days>]');
  }
  const auth = readAuthSettings(process.env);
  if (!hasLocalKeys(auth)) throw new Error('AUTH_JWKS_URL is set: tokens come from your identity provider, not from here');
  process.stdout.write(`${await mintToken(auth, subject, ttl)}\n`);
}

main().catch((error: unknown) => {
  const text = error instanceof DomainError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`[token] ${text}\n`);
  process.exit(1);
});
