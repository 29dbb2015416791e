#!/usr/bin/env bash
# Proves the package as a user gets it: packs ContractDesk (the library workspace packages/contractdesk), installs the tarball into examples/host-app (no
# relative imports), builds the host and runs its tests on SQLite and on a throwaway PostgreSQL database.
set -euo pipefail
source "$(dirname "$0")/packed-host.sh"
prepare_packed_host examples/host-app example

echo "== example host on SQLite"
DB_PATH="$work/host.sqlite3" DATABASE_URL= npm test

echo "== example host on PostgreSQL"
pg "create database $db"
DATABASE_URL="${admin%/*}/$db" npm test
