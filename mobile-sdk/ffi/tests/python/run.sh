#!/usr/bin/env bash
# Runs the SDK's Python stories through the generated bindings against the
# real server: mobile-sdk/ffi/tests/python/run.sh [--backend sqlite|postgres]
# PostgreSQL needs FRISKLIV_TEST_POSTGRES_URL (a user that may create databases).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
backend=sqlite
[[ "${1:-}" == "--backend" ]] && backend=${2:?sqlite or postgres}
cd "$root"
cargo build -q -p friskliv-tests --bin friskliv-testkit
mobile-sdk/ffi/bindgen.sh python target/python >/dev/null
export FRISKLIV_TESTKIT="$root/target/debug/friskliv-testkit"
export FRISKLIV_TEST_BACKEND=$backend
export PYTHONPATH="$root/target/python${PYTHONPATH:+:$PYTHONPATH}"
cd mobile-sdk/ffi/tests/python
echo "[sdk-python] $backend: stories through the generated bindings"
python3 -m unittest -v test_stories
