/**
 * A SQLite table rebuild (copy to `…__temp_alter`, drop, rename) inside the
 * migration transaction fires ON DELETE CASCADE on the dropped parent, because `pragma foreign_keys =
 * off` is ignored inside a transaction. Such a migration may only be committed with this marker and a
 * reviewed safeguard (e.g. children saved and restored, counts verified, in the same migration).
 */
export const REVIEWED_SAFEGUARD_MARKER = 'reviewed-safeguard:';

const REBUILD_SIGNS: Array<[RegExp, string]> = [
  [/__temp_alter/i, 'table rebuild (__temp_alter)'],
  [/pragma\s+foreign_keys\s*=\s*(off|0|false|no)\b/i, 'pragma foreign_keys = off'],
  [/pragma\s+legacy_alter_table/i, 'pragma legacy_alter_table'],
  [/\bdrop\s+table\b/i, 'drop table'],
  [/\balter\s+table\s+\S+\s+rename\s+to\b/i, 'table rename (rebuild step)'],
];

/** The rebuild signs found in a migration's source, or [] when none or the file carries the marker. */
export function unreviewedRebuildSigns(source: string): string[] {
  const code = source
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
    .join('\n');
  const found = REBUILD_SIGNS.filter(([pattern]) => pattern.test(code)).map(([, label]) => label);
  if (found.length === 0) return [];
  return source.includes(REVIEWED_SAFEGUARD_MARKER) ? [] : found;
}
