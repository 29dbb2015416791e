#!/usr/bin/env bash
# Proves that a production install can operate: a copy of the repository without node_modules, installed
# from the lock file, built, pruned to production dependencies (no TypeScript, ts-node, mikro-orm CLI or
# mocha), then the operator's commands from docs/operations.md run exactly as documented: migrations on
# a SQLite file and on a throwaway PostgreSQL database, db:copy between them, start:prod and /health.
# Uses whatever node/npm are first on PATH. Cleans up its folder and database even when a step fails.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
admin_url="${TEST_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
work="$(mktemp -d "${TMPDIR:-/tmp}/contractdesk-prod-XXXXXX")"
pgdb="contractdesk_test_prod_$$_$RANDOM"
pg_url="${admin_url%/*}/$pgdb"
app_pid=""

pg_admin() { (cd "$repo" && node -e "
  const { Client } = require('pg');
  const c = new Client({ connectionString: process.argv[1] });
  c.connect().then(() => c.query(process.argv[2])).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });" "$admin_url" "$1"); }
cleanup() {
  [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null || true
  pg_admin "drop database if exists $pgdb" || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "--- production install: $*"; }

step "copy of the repository without node_modules or dist -> $work"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard) | (cd "$repo" && xargs -0 cp --parents -t "$work" 2>/dev/null || true)
cd "$work"
[[ -f package.json && -f package-lock.json && ! -e node_modules ]]

step "npm ci, build, prune to production dependencies"
npm ci --no-audit --no-fund
npm run build
npm prune --omit=dev --no-audit --no-fund
for dev in typescript ts-node @mikro-orm/cli mocha; do
  [[ ! -e "node_modules/$dev" ]] || { echo "$dev is still installed after the prune: the proof below would not be one"; exit 1; }
done

sqlite_file="$work/data/prod.sqlite3"
copy_file="$work/data/copy-back.sqlite3"

step "SQLite: db:migrate status (pending), up, status, pending, down (refused: no down() on SQLite)"
set +e; DB_PATH="$sqlite_file" npm run --silent db:migrate -- status; rc=$?; set -e
[[ $rc -eq 1 ]] || { echo "status before up: expected exit 1 (pending), got $rc"; exit 1; }
DB_PATH="$sqlite_file" npm run --silent db:migrate -- up
DB_PATH="$sqlite_file" npm run --silent db:migrate -- status
[[ -z "$(DB_PATH="$sqlite_file" npm run --silent db:migrate -- pending 2>/dev/null)" ]]
set +e; DB_PATH="$sqlite_file" npm run --silent db:migrate -- down; rc=$?; set -e
[[ $rc -eq 2 ]] || { echo "down on SQLite: expected exit 2 (refused), got $rc"; exit 1; }

step "PostgreSQL: db:migrate up, down, up, status on a throwaway database"
pg_admin "create database $pgdb"
DATABASE_URL="$pg_url" npm run --silent db:migrate -- up
DATABASE_URL="$pg_url" npm run --silent db:migrate -- down
set +e; DATABASE_URL="$pg_url" npm run --silent db:migrate -- status; rc=$?; set -e
[[ $rc -eq 1 ]] || { echo "status after down: expected exit 1 (one pending), got $rc"; exit 1; }
DATABASE_URL="$pg_url" npm run --silent db:migrate -- up
DATABASE_URL="$pg_url" npm run --silent db:migrate -- status

step "a user through the compiled library API (what a host application imports)"
DB_PATH="$sqlite_file" node -e "
  require('reflect-metadata');
  const { initOrm, UserService } = require('contractdesk');
  (async () => {
    const orm = await initOrm();
    try { await new UserService(orm.em.fork()).register({ username: 'prod-check', email: 'prod-check@example.com', role: 'client' }); }
    finally { await orm.close(); }
  })().catch((e) => { console.error(e); process.exit(1); });"

step "start:prod on the SQLite file (MIGRATE_ON_START=false): /health and /ready"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})")
DB_PATH="$sqlite_file" MIGRATE_ON_START=false PORT="$port" npm run --silent start:prod > "$work/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log"; echo "start:prod exited"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/health"; echo
curl -fsS "http://127.0.0.1:$port/ready"; echo
kill -TERM "$app_pid"; wait "$app_pid" || true; app_pid=""

step "db:copy SQLite -> PostgreSQL (into the migrated, empty database) and back into a new SQLite file"
pg_admin "drop database $pgdb"; pg_admin "create database $pgdb"
DATABASE_URL="$pg_url" npm run --silent db:migrate -- up
npm run --silent db:copy -- --from "$sqlite_file" --to "$pg_url"
npm run --silent db:copy -- --from "$pg_url" --to "$copy_file"
DB_PATH="$copy_file" npm run --silent db:migrate -- status
users=$(node -e "
  const Database = require(Number(process.versions.napi) >= 10 ? 'better-sqlite3-napi' : 'better-sqlite3');
  const db = new Database(process.argv[1], { readonly: true });
  console.log(db.prepare(\"select count(*) as n from contractdesk_users where username = 'prod-check'\").get().n);" "$copy_file")
[[ "$users" == 1 ]] || { echo "the user written before start:prod did not survive SQLite -> PostgreSQL -> SQLite (found $users)"; exit 1; }

step "ok"
