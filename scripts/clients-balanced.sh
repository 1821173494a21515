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
# One key for both instances, made for this run: a token one signs the other accepts.
keys="lb=$(head -c 32 /dev/urandom | base64)"
ports=()
for name in a b; do
  # One after the other: two instances may start on one database at once, but the
  # second then only waits for the first to create and migrate it.
  clients_serve "$name" acupress_clients_lb ACUPRESS_JWT_KEYS="$keys" ACUPRESS_TRUSTED_PROXIES=127.0.0.1
  ports+=("$port")
done

LB_PORT=$(free_port)
cat >"$CLIENTS_WORK/haproxy.cfg" <<EOF
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
haproxy -q -f "$CLIENTS_WORK/haproxy.cfg" >"$CLIENTS_WORK/haproxy.out" 2>&1 &
CLIENTS_PIDS+=("$!")
await_ready "http://127.0.0.1:${LB_PORT}" "$CLIENTS_WORK/haproxy.out"

status=0
journey "http://127.0.0.1:${LB_PORT}" acupress_clients_lb || status=$?

# Both instances took part: their own count of API requests (not the health checks).
for i in 0 1; do
  served=$(curl -fs "http://127.0.0.1:${ports[$i]}/metrics" |
    awk '/^acupress_http_requests_total\{.*route="\/v1\// { n += $NF } END { print n + 0 }')
  echo "clients-balanced: instance $((i + 1)) served ${served} API requests"
  [ "$served" -gt 0 ] || status=1
done
if clients_panicked; then status=1; fi
exit "$status"
