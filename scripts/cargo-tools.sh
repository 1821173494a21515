# Rust command-line tools the checks use (diesel CLI, cargo-deny), each at a pinned
# version, installed with `cargo install --locked` into a cache folder outside the
# checkout and kept between runs (an empty or missing cache works: it is filled).
# Sourced by scripts/schema.sh, scripts/deny.sh and .ci/run.

# cargo_tool COMMAND CRATE VERSION [CARGO INSTALL OPTIONS...]: puts COMMAND (from CRATE at
# VERSION) first on PATH, installing it when the cache does not have that version yet.
cargo_tool() {
  local command="$1" crate="$2" version="$3"
  shift 3
  local root="${ACUPRESS_CARGO_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/acupress-cargo-tools}"
  if ! grep -qs "^\"$crate $version " "$root/.crates.toml" || [ ! -x "$root/bin/$command" ]; then
    echo "installing $crate $version into $root (once; later runs reuse it)"
    # Built in a temporary folder of its own, not the project's target folder.
    env -u CARGO_TARGET_DIR cargo install --quiet --locked --root "$root" --version "$version" "$crate" "$@"
  fi
  export PATH="$root/bin:$PATH"
}
