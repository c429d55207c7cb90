#!/usr/bin/env bash
# Until the ledger's first release, its schema is one revision, 0001, generated from
# tables.py. After changing tables.py run:  bash services/ledger/migrations/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
DB=suanpan_ledger_schemagen_$$
URL=postgresql+psycopg://postgres@127.0.0.1:5432/$DB
rm -f services/ledger/migrations/versions/0001_initial_schema.py
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" >/dev/null
trap 'psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null' EXIT
.venv/bin/python -m servicekit.migrate ledger revision --url "$URL" -m "initial schema" --autogenerate
f=$(ls services/ledger/migrations/versions/*_initial_schema.py)
mv "$f" services/ledger/migrations/versions/0001_initial_schema.py
f=services/ledger/migrations/versions/0001_initial_schema.py
# a fixed revision id, so databases made from an earlier 0001 stay "at head"
sed -i -E "s/^revision: str = '[0-9a-f]+'/revision: str = '0001'/; s/^Revision ID: [0-9a-f]+/Revision ID: 0001/" "$f"
.venv/bin/python -m servicekit.migrate ledger --url "$URL"
echo "regenerated $f and upgraded a scratch database with it"
