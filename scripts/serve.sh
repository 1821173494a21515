# Sourced by the scripts that drive a real server (bench.sh, fuzz.sh, durability.sh).
# shellcheck shell=bash

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server BIN DATABASE_URL PORT LOG [NAME=VALUE ...]: starts the server in the
# background (its pid in $server), logging to LOG. The sign-in rate limits are lifted:
# load and fuzzing would only meet 429s, and the limits are tested elsewhere.
start_server() {
  local bin=$1 database=$2 port=$3 log=$4
  shift 4
  env DATABASE_URL="$database" ACUPRESS_LISTEN="127.0.0.1:${port}" ACUPRESS_LOG=warn \
    ACUPRESS_AUTH_RATE_ACCOUNT_BURST=100000 ACUPRESS_AUTH_RATE_ACCOUNT_PERIOD_MS=1 \
    ACUPRESS_AUTH_RATE_ADDRESS_BURST=100000 ACUPRESS_AUTH_RATE_ADDRESS_PERIOD_MS=1 \
    "$@" "$bin" >"$log" 2>&1 &
  # shellcheck disable=SC2034  # read by the caller
  server=$!
}

# await_ready BASE LOG: waits up to 30 s for GET /readyz = 200; prints LOG and fails
# otherwise.
await_ready() {
  for _ in $(seq 1 150); do
    curl -fs "$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$2" >&2
  return 1
}
