# Sourced by scripts/example-host.sh and scripts/third-party-host.sh: a host application (a folder with its own
# package.json and lock file) gets ContractDesk as a user gets it, from the packed tarball of the library workspace
# (packages/contractdesk), with no relative imports. Sets $root, $work, $host, $admin and $db, defines pg (one
# statement as the PostgreSQL admin) and drops the throwaway database and $work on exit.
#   prepare_packed_host <host folder, relative to the repository> <database label>
prepare_packed_host() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  work=$(mktemp -d)
  admin=${TEST_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
  db="contractdesk_test_${2}_$$"
  host="$root/$1"
  trap cleanup_packed_host EXIT

  cd "$root"
  npm run build --silent
  npm pack --silent -w contractdesk --pack-destination "$work" >/dev/null
  tarball=$(ls "$work"/contractdesk-*.tgz)

  cd "$host"
  npm ci --no-audit --no-fund
  npm install --no-save --no-audit --no-fund "$tarball"
  npm run build --silent
}

pg() { (cd "$host" && node -e "
  const { Client } = require('pg');
  const c = new Client({ connectionString: process.argv[1] });
  c.connect().then(() => c.query(process.argv[2])).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });" "$admin" "$1"); }

cleanup_packed_host() { pg "drop database if exists $db with (force)" >/dev/null 2>&1 || true; rm -rf "$work"; }
