#!/usr/bin/env bash
# Proves ContractDesk as a guest in a host that already has its own MikroORM (issue 21, item 6): packs the
# library, installs the tarball into fixtures/third-party-host (its own config, entities and migrations; no
# relative imports), builds the host and runs its tests on SQLite and on a throwaway PostgreSQL database.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
admin=${TEST_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
db="contractdesk_test_host_$$"
host="$root/fixtures/third-party-host"

pg() { (cd "$host" && node -e "
  const { Client } = require('pg');
  const c = new Client({ connectionString: process.argv[1] });
  c.connect().then(() => c.query(process.argv[2])).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });" "$admin" "$1"); }
cleanup() { pg "drop database if exists $db with (force)" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# ---- build and pack the library: the one place that knows where the library lives (-> $tarball) ----------
cd "$root"
npm run build --silent
npm pack --silent -w contractdesk --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/contractdesk-*.tgz)
# ----------------------------------------------------------------------------------------------------------

cd "$host"
npm ci --no-audit --no-fund
npm install --no-save --no-audit --no-fund "$tarball"
npm run build --silent

echo "== one copy of each MikroORM package and of knex"
npm ls --all @mikro-orm/core @mikro-orm/knex knex
for name in @mikro-orm/core @mikro-orm/knex knex; do
  copies=$(npm ls --all --parseable "$name" 2>/dev/null | grep -c "/node_modules/$name\$" || true)
  [ "$copies" = 1 ] || { echo "expected one copy of $name, found $copies"; exit 1; }
done

# Both dialects run even when the first fails, so one CI run shows both; any failure fails the script.
# DB_PATH is ContractDesk's own variable, set as a decoy: on the host's ORM nothing may open or create it.
export DB_PATH="$work/contractdesk-decoy.sqlite3"
failed=()
echo "== third-party host on SQLite"
DATABASE_URL= SQLITE_FILE="$work/host.sqlite3" npm test || failed+=(SQLite)

echo "== third-party host on PostgreSQL"
pg "create database $db"
DATABASE_URL="${admin%/*}/$db" npm test || failed+=(PostgreSQL)

if [ ${#failed[@]} -gt 0 ]; then
  echo "third-party host FAILED on: ${failed[*]}"
  exit 1
fi
echo "third-party host passed on SQLite and PostgreSQL"
