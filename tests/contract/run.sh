#!/usr/bin/env bash
# Contract fuzz: schemathesis over the served OpenAPI spec, signed in as a
# participant and as a veileder, on SQLite and on a throwaway PostgreSQL
# database (FRISKLIV_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
# Zero failures or it exits non-zero. Arguments go to run.py, e.g.
#   tests/contract/run.sh --backend sqlite --role participant --seed 7
# Reports (JUnit, NDJSON) land in target/contract-report/.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=target/contract-venv
requirements=tests/contract/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
  echo "[contract] installing pinned Python packages into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi

cargo build --quiet -p friskliv-api --bin friskliv
exec "$venv/bin/python" tests/contract/run.py --bin target/debug/friskliv "$@"
