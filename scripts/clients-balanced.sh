#!/usr/bin/env bash
# Black-box mode behind a load balancer: two acupress instances (one fresh database,
# the same signing keys) behind HAProxy, round-robin per request, and the TypeScript
# journey run unchanged against the balancer. Idempotent retries, sync, refresh
# rotation and the sign-in rate limit must behave as with one instance; afterwards both
# instances must have served part of the journey.
#
#   scripts/clients-balanced.sh          # needs a build: cargo build
#
# Installs haproxy (Debian) and the npm packages of clients/ when missing; called by
# scripts/clients.sh, which also generates the types first.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/serve.sh
. scripts/serve.sh
# shellcheck source=scripts/clients-lib.sh
. scripts/clients-lib.sh

BIN="${ACUPRESS_BIN:-${CARGO_TARGET_DIR:-target}/debug/acupress}"
[ -x "$BIN" ] || { echo "clients-balanced: no server binary at $BIN: run cargo build" >&2; exit 1; }
clients_prepare haproxy
[ -f clients/generated/api.d.ts ] || clients_types
PG_URL="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
DB_URL="${PG_URL%/*}/acupress_clients_lb"
work=$(mktemp -d)
# One key for both instances, made for this run: a token one signs the other accepts.
keys="lb=$(head -c 32 /dev/urandom | base64)"
servers=()
haproxy_pid=""

# shellcheck disable=SC2317  # called by the trap
cleanup() {
  if [ -n "$haproxy_pid" ]; then kill "$haproxy_pid" 2>/dev/null || true; fi
  for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS acupress_clients_lb WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$PG_URL" -qc "DROP DATABASE IF EXISTS acupress_clients_lb WITH (FORCE)" >/dev/null 2>&1 || true

ports=()
for name in a b; do
  port=$(free_port)
  start_server "$BIN" "$DB_URL" "$port" "$work/$name.log" "${JOURNEY_SETTINGS[@]}" \
    ACUPRESS_JWT_KEYS="$keys" ACUPRESS_TRUSTED_PROXIES=127.0.0.1
  servers+=("$server")
  ports+=("$port")
  # The second waits for the first: two instances migrating one new database at once
  # is safe, but the first start creates it.
  await_ready "http://127.0.0.1:${port}" "$work/$name.log"
done

LB_PORT=$(free_port)
cat >"$work/haproxy.cfg" <<EOF
global
  maxconn 256
defaults
  mode http
  option forwardfor
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend api
  bind 127.0.0.1:${LB_PORT}
  default_backend acupress
backend acupress
  balance roundrobin
  option httpchk GET /readyz
  server a 127.0.0.1:${ports[0]} check inter 1s
  server b 127.0.0.1:${ports[1]} check inter 1s
EOF
haproxy -q -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
await_ready "http://127.0.0.1:${LB_PORT}" "$work/haproxy.log"

status=0
journey "http://127.0.0.1:${LB_PORT}" || status=$?

# Both instances took part: their own count of API requests (not the health checks).
for i in 0 1; do
  served=$(curl -fs "http://127.0.0.1:${ports[$i]}/metrics" |
    awk '/^acupress_http_requests_total\{.*route="\/v1\// { n += $NF } END { print n + 0 }')
  echo "clients-balanced: instance $((i + 1)) served ${served} API requests"
  [ "$served" -gt 0 ] || status=1
done
if grep -q "panicked" "$work"/a.log "$work"/b.log; then
  echo "clients-balanced: a server panicked" >&2
  status=1
fi
exit "$status"
