#!/usr/bin/env bash
# Proves ContractDesk as a guest in a host that already has its own MikroORM (issue 21, item 6): packs the
# library, installs the tarball into fixtures/third-party-host (its own config, entities and migrations; no
# relative imports), builds the host and runs its tests on SQLite and on a throwaway PostgreSQL database.
set -euo pipefail
source "$(dirname "$0")/packed-host.sh"
prepare_packed_host fixtures/third-party-host host

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
