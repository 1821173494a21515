# Sourced by scripts/clients.sh and scripts/clients-balanced.sh: what the client checks
# install, and the server settings the journeys rely on.
# shellcheck shell=bash

# The settings every server under the journeys runs with, and the journeys read too:
# the per-account sign-in limit as shipped (10 at once) but slow to refill, so the
# journey can see it run out; a per-address limit out of the way (the journeys all come
# from 127.0.0.1); a one-second refresh grace, so reuse of a rotated token is seen soon.
# shellcheck disable=SC2034  # read by the scripts that source this
JOURNEY_SETTINGS=(
  ACUPRESS_AUTH_RATE_ACCOUNT_BURST=10 ACUPRESS_AUTH_RATE_ACCOUNT_PERIOD_MS=60000
  ACUPRESS_AUTH_RATE_ADDRESS_BURST=1000 ACUPRESS_AUTH_RATE_ADDRESS_PERIOD_MS=10
  ACUPRESS_REFRESH_GRACE_SECS=1 ACUPRESS_DRAIN_MS=0
)
export ACUPRESS_AUTH_RATE_ACCOUNT_BURST=10 ACUPRESS_REFRESH_GRACE_SECS=1

# The node_modules of clients/ are installed from the lockfile (never its install
# scripts: none is needed, and one would phone home) and kept while the lockfile is
# unchanged.
CLIENTS_DIR="$(pwd)/clients"
export PATH="${CLIENTS_DIR}/node_modules/.bin:${PATH}"

clients_apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null
  }
}

# clients_prepare COMMAND...: Node.js 20.19 or newer, the named Debian packages when
# their command is missing (chromium, haproxy), and the npm packages.
clients_prepare() {
  local command
  command -v node >/dev/null || clients_apt_install nodejs npm
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' || {
    echo "clients: Node.js 20.19 or newer is needed, found $(node --version)" >&2
    return 1
  }
  for command in "$@"; do
    command -v "$command" >/dev/null || clients_apt_install "$command"
  done
  local stamp=node_modules/.lockfile.sha256
  (
    cd "$CLIENTS_DIR" || exit 1
    sha256sum --status -c "$stamp" 2>/dev/null && exit 0
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    # An optional package that failed to download is skipped without an error; esbuild's
    # binary is one (tsx needs it): install once more when it is missing.
    node -e 'require("esbuild").transformSync("1")' >/dev/null 2>&1 ||
      npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    node -e 'require("esbuild").transformSync("1")'
    sha256sum package-lock.json >"$stamp"
  )
}

# clients_types: the TypeScript types of the committed spec (never committed).
clients_types() {
  (cd "$CLIENTS_DIR" && openapi-typescript ../openapi/openapi.json -o generated/api.d.ts >/dev/null)
}

# What the checks start, undone on exit by clients_stop: processes (servers, HAProxy),
# databases, and a folder for logs and configuration.
PG_URL="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
CLIENTS_PIDS=()
CLIENTS_DATABASES=()
CLIENTS_WORK=$(mktemp -d)

drop_database() {
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

clients_stop() {
  local pid database
  for pid in "${CLIENTS_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CLIENTS_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for database in "${CLIENTS_DATABASES[@]}"; do drop_database "$database"; done
  rm -rf "$CLIENTS_WORK"
}
trap clients_stop EXIT

# The SMTP listener the servers deliver to (ts/smtp-sink.ts, on loopback): each message
# it takes becomes a file in $MAIL_SINK, where the journeys read codes and links.
MAIL_SINK="$CLIENTS_WORK/mail"
export MAIL_SINK_DIR="$MAIL_SINK"
smtp_port=""

clients_smtp_sink() {
  smtp_port=$(free_port)
  (cd "$CLIENTS_DIR" && exec env SMTP_SINK_DIR="$MAIL_SINK" SMTP_SINK_PORT="$smtp_port" tsx ts/smtp-sink.ts) \
    >"$CLIENTS_WORK/smtp.log" 2>&1 &
  CLIENTS_PIDS+=("$!")
  local tries
  for tries in $(seq 1 100); do
    grep -q "listening" "$CLIENTS_WORK/smtp.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "clients: the SMTP listener did not start (${tries} tries):" >&2
  cat "$CLIENTS_WORK/smtp.log" >&2
  return 1
}

# The journeys' identity providers (ts/idp.ts): a journey serves their keys on this
# port while it runs, and the servers are told to fetch them there.
idp_port=""
identity_settings() {
  [ -n "$idp_port" ] || { idp_port=$(free_port); export JOURNEY_IDP_PORT="$idp_port"; }
  IDENTITY_SETTINGS=(
    ACUPRESS_APPLE_CLIENT_IDS=com.example.acupress.journey
    ACUPRESS_APPLE_JWKS_URL="http://127.0.0.1:${idp_port}/apple/keys"
    ACUPRESS_GOOGLE_CLIENT_IDS=journey.apps.googleusercontent.com
    ACUPRESS_GOOGLE_JWKS_URL="http://127.0.0.1:${idp_port}/google/keys"
  )
}

# clients_serve NAME DATABASE [NAME=VALUE ...]: an instance with the journeys' settings
# on DATABASE (a fresh one the first time it is named), ready on 127.0.0.1:$port, its
# log in $CLIENTS_WORK/NAME.log.
clients_serve() {
  local name=$1 database=$2
  shift 2
  case " ${CLIENTS_DATABASES[*]} " in
    *" ${database} "*) ;;
    *) drop_database "$database" && CLIENTS_DATABASES+=("$database") ;;
  esac
  [ -n "$smtp_port" ] || clients_smtp_sink
  identity_settings
  port=$(free_port)
  start_server "$BIN" "${PG_URL%/*}/${database}" "$port" "$CLIENTS_WORK/$name.log" "${JOURNEY_SETTINGS[@]}" \
    "${IDENTITY_SETTINGS[@]}" ACUPRESS_SMTP_URL="smtp://127.0.0.1:${smtp_port}" "$@"
  CLIENTS_PIDS+=("$server")
  await_ready "http://127.0.0.1:${port}" "$CLIENTS_WORK/$name.log"
}

# clients_panicked: whether any instance's log shows a panic (and prints it).
clients_panicked() {
  grep -A5 "panicked" "$CLIENTS_WORK"/*.log >&2
}

# journey BASE_URL DATABASE: the TypeScript journey against a running server on
# DATABASE (the journey makes an editor an admin there with `acupress admin grant`).
journey() {
  local bin
  bin=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
  (cd "$CLIENTS_DIR" && ACUPRESS_TEST_BASE_URL="$1" JOURNEY_ACUPRESS_BIN="$bin" \
    JOURNEY_DATABASE_URL="${PG_URL%/*}/$2" tsx ts/journey.ts)
}
