#!/usr/bin/env bash
# Fuzzes the running API from its own spec with schemathesis: every check, every phase
# (examples, coverage, fuzzing, stateful links). Starts the server on a database of its
# own on the PostgreSQL the tests use, signs in a fuzz account (scripts/fuzz/hooks.py)
# and fails on any failure. Expected refusals that the schema cannot express (opaque
# cursors, catalog codes, time zones, rules across fields) are listed, with reasons, in
# scripts/fuzz/schemathesis.toml.
#
#   scripts/fuzz.sh                      # needs a build: cargo build (or --release)
#   FUZZ_EXAMPLES=200 FUZZ_SEED=1 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/serve.sh
. scripts/serve.sh
# shellcheck source=scripts/tools.sh
. scripts/tools.sh

BIN="${ACUPRESS_BIN:-${CARGO_TARGET_DIR:-target}/debug/acupress}"
[ -x "$BIN" ] || { echo "fuzz: no server binary at $BIN: run cargo build" >&2; exit 1; }
python_tool st 'schemathesis==4.32.5'
BASE_URL="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
DB_URL="${BASE_URL%/*}/acupress_fuzz"
PORT=$(free_port)
export FUZZ_BASE="http://127.0.0.1:${PORT}" FUZZ_EMAIL="fuzz@example.org" FUZZ_PASSWORD="amber kettle orbit sixteen"

psql "$BASE_URL" -qc "DROP DATABASE IF EXISTS acupress_fuzz WITH (FORCE)" >/dev/null 2>&1 || true
log=$(mktemp)
# Sign in with Apple is on, with a key set of its own that publishes no key: ID tokens
# are read and checked up to their key (then 401, after one fetch); Google stays off
# (404).
keys_dir=$(mktemp -d)
echo '{"keys": []}' >"$keys_dir/keys"
keys_port=$(free_port)
python3 -m http.server "$keys_port" --bind 127.0.0.1 --directory "$keys_dir" >/dev/null 2>&1 &
keys_server=$!
start_server "$BIN" "$DB_URL" "$PORT" "$log" ACUPRESS_APPLE_CLIENT_IDS=com.example.fuzz \
  ACUPRESS_APPLE_JWKS_URL="http://127.0.0.1:${keys_port}/keys" ACUPRESS_JWKS_TIMEOUT_MS=2000
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  kill -TERM "$server" "$keys_server" 2>/dev/null || true
  wait "$server" "$keys_server" 2>/dev/null || true
  rm -rf "$keys_dir"
  psql "$BASE_URL" -qc "DROP DATABASE IF EXISTS acupress_fuzz WITH (FORCE)" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT
await_ready "$FUZZ_BASE" "$log"
curl -fs -o /dev/null -H 'Content-Type: application/json' "$FUZZ_BASE/v1/auth/register" \
  -d "{\"email\":\"$FUZZ_EMAIL\",\"password\":\"$FUZZ_PASSWORD\",\"display_name\":\"Fuzz\"}"

status=0
SCHEMATHESIS_HOOKS=scripts.fuzz.hooks st --config-file scripts/fuzz/schemathesis.toml run "$FUZZ_BASE/openapi.json" \
  --checks all \
  --max-examples "${FUZZ_EXAMPLES:-50}" --seed "${FUZZ_SEED:-20261121}" || status=$?
if grep -q "panicked" "$log"; then
  echo "fuzz: the server panicked:" >&2
  grep -A5 "panicked" "$log" >&2
  status=1
fi
exit "$status"
