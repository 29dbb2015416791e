/**
 * Permission names are lowercase segments joined by "." or ":" (`contracts.read`, `push:send`).
 * A grant may end in a wildcard segment: `*` grants everything, `contracts.*` everything under
 * `contracts.` (and `contracts:*` everything under `contracts:`).
 */
export function grantCovers(grant: string, permission: string): boolean {
  if (grant === '*' || grant === permission) return true;
  if (grant.endsWith('.*') || grant.endsWith(':*')) {
    const prefix = grant.slice(0, -1);
    return permission.startsWith(prefix) && permission.length > prefix.length;
  }
  return false;
}

export function anyGrantCovers(grants: Iterable<string>, permission: string): boolean {
  for (const grant of grants) if (grantCovers(grant, permission)) return true;
  return false;
}
