#!/usr/bin/env bash
# The client checks: the spec as an app team meets it. From the committed
# openapi/openapi.json it generates a TypeScript client (openapi-typescript +
# openapi-fetch) and a Python one (openapi-python-client), type-checks the journeys
# written against them (tsc --strict, eslint with no casts, `any` or non-null
# assertions; mypy --strict), lints the spec (Redocly recommended, Spectral oas), then
# starts the server on a database of its own and runs the TypeScript journey (every
# response checked against the spec), the Python journey, Swagger UI, the pages a
# mailed link opens and the account deletion page (script off) in headless Chromium,
# with every server's mail delivered to an SMTP listener on loopback; last, the TypeScript journey once more through HAProxy in front of two
# instances (scripts/clients-balanced.sh). Every check runs; the run fails if any did.
#
#   scripts/clients.sh                   # needs a build: cargo build
#
# On a fresh machine it installs what it needs: chromium and haproxy from Debian, the
# npm packages of clients/ from its lockfile, the Python tools into the virtual
# environment of scripts/tools.sh. The generated clients go to clients/generated/ and
# the screenshots to target/ (swagger-ui.png, account-delete.png; neither is committed).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/serve.sh
. scripts/serve.sh
# shellcheck source=scripts/tools.sh
. scripts/tools.sh
# shellcheck source=scripts/clients-lib.sh
. scripts/clients-lib.sh

BIN="${ACUPRESS_BIN:-${CARGO_TARGET_DIR:-target}/debug/acupress}"
[ -x "$BIN" ] || { echo "clients: no server binary at $BIN: run cargo build" >&2; exit 1; }
PY_OUT=clients/generated/python

clients_prepare chromium haproxy
python_tool openapi-python-client 'openapi-python-client==0.29.1'
python_tool mypy 'mypy==2.4.1'
# The generated client's imports; httpx and attrs come with the generator.
PYTHON="$(dirname "$(command -v openapi-python-client)")/python"
"$PYTHON" -c 'import dateutil' 2>/dev/null || "$PYTHON" -m pip install --quiet 'python-dateutil==2.9.0.post0'

passed=0
failed=()
# check NAME COMMAND...: runs one check, counts it, and goes on either way.
check() {
  local name=$1
  shift
  printf '\n--> %s\n' "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed+=("$name")
  fi
}

python_client() {
  rm -rf "$PY_OUT"
  openapi-python-client generate --path openapi/openapi.json --config clients/python/generator.yaml \
    --meta none --output-path "$PY_OUT/acupress_client" >/dev/null
}

check "TypeScript types from openapi/openapi.json (openapi-typescript)" clients_types
check "tsc --strict --noEmit" tsc -p clients
check "eslint: no casts, any or non-null assertions" bash -c 'cd clients && eslint .'
check "Python client from openapi/openapi.json (openapi-python-client)" python_client
check "mypy --strict" env MYPYPATH="$PY_OUT" mypy --config-file clients/python/mypy.ini clients/python/journey.py
check "Redocly lint (recommended, warnings fail)" redocly lint --config .redocly.yaml openapi/openapi.json
check "Spectral lint (spectral:oas, warnings fail)" spectral lint --fail-severity warn -r .spectral.yaml openapi/openapi.json

clients_serve server acupress_clients
BASE="http://127.0.0.1:${port}"

check "TypeScript journey" journey "$BASE" acupress_clients
check "Python journey" env PYTHONPATH="$PY_OUT" ACUPRESS_TEST_BASE_URL="$BASE" "$PYTHON" clients/python/journey.py
check "Swagger UI in headless Chromium" env ACUPRESS_TEST_BASE_URL="$BASE" tsx clients/ts/swagger-ui.ts
check "Mailed links' pages and account deletion in headless Chromium" env ACUPRESS_TEST_BASE_URL="$BASE" tsx clients/ts/mail-pages.ts
check "TypeScript journey through HAProxy, two instances" scripts/clients-balanced.sh
if clients_panicked; then failed+=("the server panicked"); fi

printf '\nclients: %d passed, %d failed\n' "$passed" "${#failed[@]}"
for name in "${failed[@]}"; do echo "  failed: $name"; done
[ "${#failed[@]}" -eq 0 ]
