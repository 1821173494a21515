#!/usr/bin/env bash
# cargo-deny over acupress's dependency graph (rules: deny.toml).
#
# licenses, bans and sources need only Cargo.lock and the registry: they always gate.
# advisories need the RustSec advisory database, which cargo-deny clones from GitHub into
# $CARGO_HOME/advisory-dbs. Where GitHub cannot be reached (this project's CI machines
# reach package registries only), a copy already in that folder is used; with none, the
# check is skipped and says so plainly (ACUPRESS_REQUIRE_ADVISORIES=1 makes that a
# failure). Whenever a database is at hand, an advisory against a crate we use fails.
#
#   scripts/deny.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/cargo-tools.sh
. scripts/cargo-tools.sh
cargo_tool cargo-deny cargo-deny 0.20.2

cargo deny --locked check licenses bans sources

db_root="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if ! cargo deny --locked --log-level error fetch db 2>/dev/null; then
  echo "advisory database: could not be fetched from GitHub; looking for a copy in ${db_root}"
fi
if compgen -G "${db_root}/*/crates" >/dev/null; then
  cargo deny --locked --offline check advisories
elif [ "${ACUPRESS_REQUIRE_ADVISORIES:-0}" = 1 ]; then
  echo "advisories: NOT CHECKED, and ACUPRESS_REQUIRE_ADVISORIES=1: failing" >&2
  exit 1
else
  echo "advisories: NOT CHECKED: no RustSec advisory database here (GitHub is unreachable"
  echo "  and ${db_root} has no copy). Put a clone of the advisory database there, or run"
  echo "  scripts/deny.sh where GitHub answers, to check the dependencies for advisories."
fi
