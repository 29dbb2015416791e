import { describeBackend } from 'contractdesk';
import { SEED_TOKEN_TTL_SECONDS, type SeedOutcome } from './run-seed';

/** What `npm run db:seed` prints: what changed, the seeded rows, and how to call the API as each user. */
export function formatOutcome(outcome: SeedOutcome): string {
  const { report, tokens } = outcome;
  const lines = [describeBackend(outcome.backend)];
  if (outcome.appliedMigrations.length) lines.push(`applied migrations: ${outcome.appliedMigrations.join(', ')}`);
  if (report.changes.length === 0) lines.push('demo data already present: nothing changed');
  else lines.push(`seeded ${report.changes.length} item(s):`, ...report.changes.map((change) => `  + ${change}`));

  lines.push('', 'users (token subject = username):');
  for (const user of report.users) lines.push(`  ${user.username.padEnd(16)} ${user.id}`);
  lines.push(`role ${report.role.name} (${report.role.permissions.join(', ')}) held by demo-admin`, 'contracts (client demo-client, freelancer demo-freelancer):');
  for (const contract of report.contracts) lines.push(`  ${contract.status.padEnd(10)} ${contract.id}  ${contract.title}`);

  lines.push('');
  if (tokens.kind === 'minted') {
    lines.push(`development bearer tokens (valid ${SEED_TOKEN_TTL_SECONDS / 3600} h, signed with ${tokens.keyFile}; more: npm run token -- <subject>):`);
    for (const [subject, token] of tokens.bySubject) lines.push(`  ${subject}: ${token}`);
    const client = tokens.bySubject.get('demo-client');
    const contract = report.contracts[0];
    if (client && contract) {
      lines.push('', 'try it (after npm start):', `  curl -H 'Authorization: Bearer ${client}' http://localhost:3000/contracts/${contract.id}`);
    }
  } else if (tokens.kind === 'secret') {
    lines.push('AUTH_JWT_SECRET is set: mint a token for a seeded user with npm run token -- demo-client (same environment)');
  } else {
    lines.push(`AUTH_JWKS_URL is set: tokens come from your identity provider; issue them for the subjects ${report.users.map((u) => u.subject).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
