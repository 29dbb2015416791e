#!/usr/bin/env bash
# Proves the package as a user gets it: packs ContractDesk (the library workspace packages/contractdesk), installs the tarball into examples/host-app (no
# relative imports), builds the host and runs its tests on SQLite and on a throwaway PostgreSQL database.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
admin=${TEST_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
db="contractdesk_test_example_$$"
host="$root/examples/host-app"

pg() { (cd "$host" && node -e "
  const { Client } = require('pg');
  const c = new Client({ connectionString: process.argv[1] });
  c.connect().then(() => c.query(process.argv[2])).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });" "$admin" "$1"); }
cleanup() { pg "drop database if exists $db" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

cd "$root"
npm run build --silent
npm pack --silent -w contractdesk --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/contractdesk-*.tgz)

cd "$host"
npm ci --no-audit --no-fund
npm install --no-save --no-audit --no-fund "$tarball"
npm run build --silent

echo "== example host on SQLite"
DB_PATH="$work/host.sqlite3" DATABASE_URL= npm test

echo "== example host on PostgreSQL"
pg "create database $db"
DATABASE_URL="${admin%/*}/$db" npm test
