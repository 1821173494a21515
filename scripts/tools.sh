# Python tools the checks use (schemathesis, openapi-spec-validator). When a command is
# not on PATH it is installed into a virtual environment of its own, kept between runs:
# a system Python under PEP 668 (Debian 12, Ubuntu 24.04) refuses plain pip installs.
# Sourced by scripts/fuzz.sh and .ci/run.

# python_tool COMMAND REQUIREMENT: makes COMMAND available, installing REQUIREMENT.
python_tool() {
  command -v "$1" >/dev/null && return 0
  local venv="${ACUPRESS_TOOLS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/acupress-tools}"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  [ -x "$venv/bin/$1" ] || "$venv/bin/pip" install --quiet "$2"
  export PATH="$venv/bin:$PATH"
}
