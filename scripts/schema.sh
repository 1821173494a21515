#!/usr/bin/env bash
# Regenerates src/db/schema.rs (diesel's table definitions) from migrations/: makes a
# scratch database on the PostgreSQL the tests use, runs every migration with the diesel
# CLI and writes what `diesel print-schema` prints (settings: diesel.toml). With --check
# it writes nothing and fails, showing the difference, when the committed file is not
# what the migrations give (CI runs that).
#
#   scripts/schema.sh            # after adding or changing a migration
#   scripts/schema.sh --check
#
# The server: TEST_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432
# (its database name is replaced by the scratch one). The diesel CLI is installed on first
# use (scripts/cargo-tools.sh); building it needs libpq's headers (Debian: libpq-dev). It
# is a development tool only: acupress itself does not link libpq.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/cargo-tools.sh
. scripts/cargo-tools.sh

case "${1:-}" in
  "") check=false ;;
  --check) check=true ;;
  *) echo "usage: scripts/schema.sh [--check]" >&2; exit 2 ;;
esac

cargo_tool diesel diesel_cli 2.3.14 --no-default-features --features postgres

SERVER="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
NAME="acupress_schema_$$"
DB="${SERVER%/*}/${NAME}"
ADMIN="${SERVER%/*}/postgres"
work=$(mktemp -d)
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$ADMIN" -qc "CREATE DATABASE ${NAME}" >/dev/null
# Migrate with no print_schema settings, so that `migration run` does not rewrite the file.
: >"$work/migrate.toml"
diesel migration run --config-file "$work/migrate.toml" --migration-dir migrations \
  --database-url "$DB" >/dev/null
diesel print-schema --config-file diesel.toml --database-url "$DB" >"$work/schema.rs"

if $check; then
  if ! diff -u src/db/schema.rs "$work/schema.rs"; then
    echo "src/db/schema.rs is not what the migrations give: run scripts/schema.sh and commit it" >&2
    exit 1
  fi
  echo "src/db/schema.rs matches the migrations"
else
  cp "$work/schema.rs" src/db/schema.rs
  echo "wrote src/db/schema.rs"
fi
