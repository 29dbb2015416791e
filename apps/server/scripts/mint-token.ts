import { SignJWT } from 'jose';
import type { AuthSettings } from '../src/auth/auth-settings';

/** Signing keys this process holds: a JWKS belongs to the identity provider, which alone signs its tokens. */
export type LocalKeys = Exclude<AuthSettings['keys'], { kind: 'jwks' }>;

/** A bearer token for `subject` that the app, started with the same settings, accepts (HS256, its iss/aud). */
export function mintToken(auth: AuthSettings & { keys: LocalKeys }, subject: string, ttlSeconds: number): Promise<string> {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(subject).setIssuedAt().setExpirationTime(`${ttlSeconds}s`);
  if (auth.issuer) jwt = jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt = jwt.setAudience(auth.audience);
  return jwt.sign(auth.keys.secret);
}

export function hasLocalKeys(auth: AuthSettings): auth is AuthSettings & { keys: LocalKeys } {
  return auth.keys.kind !== 'jwks';
}
