#!/usr/bin/env bash
# Load benchmark on loopback: starts the release server on its own database and drives
# it with wrk, printing requests per second and p50/p99 latency per endpoint in one run.
#
#   scripts/bench.sh                 # 10 s per endpoint, 32 connections
#   DURATION=30s CONNECTIONS=64 scripts/bench.sh
#
# Needs PostgreSQL as for the tests and wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/serve.sh
. scripts/serve.sh

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18080}"
BASE_URL="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
DB_URL="${BASE_URL%/*}/acupress_bench"
export DB_URL
BASE="http://127.0.0.1:${PORT}"
export DURATION CONNECTIONS BASE

command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet --bin acupress --example argon2-rate
log=$(mktemp)
psql "${BASE_URL}" -qc "DROP DATABASE IF EXISTS acupress_bench WITH (FORCE)" >/dev/null 2>&1 || true
start_server "${CARGO_TARGET_DIR:-target}"/release/acupress "$DB_URL" "$PORT" "$log"
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
await_ready "$BASE" "$log"

etag=$(curl -fs -D - -o /dev/null "$BASE/v1/points/LI4" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
gzip_size=$(curl -fs -H 'Accept-Encoding: gzip' "$BASE/v1/catalog" | wc -c)
# A signed-in, pregnant reader: point reads carry her warnings (personal, private).
reader_token=$(curl -fs -H 'Content-Type: application/json' "$BASE/v1/auth/register" \
  -d '{"email":"reader@example.com","password":"violet harbour tram eleven","display_name":"Reader"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["tokens"]["access_token"])')
curl -fs -o /dev/null -X PATCH -H 'Content-Type: application/json' -H "Authorization: Bearer $reader_token" \
  "$BASE/v1/me" -d '{"safety_profile":{"pregnant":true}}'
# ...who keeps 50 favorite points.
for code in $(curl -fs "$BASE/v1/points?limit=50" | python3 -c 'import json, sys; print(" ".join(p["code"] for p in json.load(sys.stdin)["items"]))'); do
  curl -fs -o /dev/null -X PUT -H "Authorization: Bearer $reader_token" "$BASE/v1/me/favorites/point/$code"
done

# ...50 routines of her own (copies of the curated ones; she acknowledges the warnings)
# and 10,000 rated sessions, pushed through sync 500 at a time.
BASE="$BASE" TOKEN="$reader_token" python3 - <<'PY'
import json, os, urllib.request, uuid
base, token = os.environ["BASE"], os.environ["TOKEN"]
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as res:
        return json.load(res)
slugs = [r["slug"] for r in call("GET", "/v1/routines?limit=100")["items"]]
for i in range(50):
    call("POST", "/v1/me/routines", {"from": slugs[i % len(slugs)], "name": f"Mine {i}",
                                     "acknowledge_warnings": True})
cursor = call("GET", "/v1/me/sync")["cursor"]
conditions = ["insomnia", "anxiety", "stress", "tension-headache"]
for batch in range(20):
    changes = []
    for n in range(500):
        k = batch * 500 + n
        changes.append({"op": "upsert", "session": {
            "id": str(uuid.uuid4()), "duration_seconds": 300,
            "started_at": f"2026-{1 + k % 11:02d}-{1 + k % 28:02d}T{k % 24:02d}:{k % 60:02d}:00Z",
            "routine": slugs[k % len(slugs)], "condition": conditions[k % len(conditions)],
            "stress_before": 7, "stress_after": 3 + k % 3,
            "steps": [{"point": "HT7", "side": "both", "seconds": 60, "pressure": "light"}]}})
    cursor = call("POST", "/v1/me/sync", {"cursor": cursor, "changes": changes})["cursor"]
PY
# Measure the steady state, not autovacuum catching up with the rows just written.
psql "$DB_URL" -qc "VACUUM ANALYZE" >/dev/null

# name | path | extra header
cases=(
  "healthz|/healthz|"
  "points?limit=50|/v1/points?limit=50|"
  "points/LI4|/v1/points/LI4|"
  "LI4, signed in|/v1/points/LI4|Authorization: Bearer ${reader_token}"
  "favorites (50)|/v1/me/favorites|Authorization: Bearer ${reader_token}"
  "own routines (50)|/v1/me/routines?limit=50|Authorization: Bearer ${reader_token}"
  "recommendations|/v1/me/recommendations?condition=insomnia,anxiety|Authorization: Bearer ${reader_token}"
  "search q=zusanly|/v1/points?q=zusanly|"
  "search, all unique|/v1/points|@unique-search.lua"
  "search, typing|/v1/points|@prefix-search.lua"
  "304 revalidation|/v1/points/LI4|If-None-Match: ${etag}"
  "catalog (gzip)|/v1/catalog|Accept-Encoding: gzip"
)

printf '%-20s %12s %10s %10s %8s\n' endpoint req/s p50_ms p99_ms errors
healthz_rps=""
for case in "${cases[@]}"; do
  IFS='|' read -r name path header <<<"$case"
  args=(-t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency)
  case "$header" in
    @*) args+=(-s "scripts/${header#@}") ;;
    ?*) args+=(-H "$header") ;;
  esac
  # One request first, so a row measures answers kept, not 32 connections building the
  # first one at once.
  case "$header" in
    @*|"") curl -fs -o /dev/null "$BASE$path" || true ;;
    *) curl -fs -o /dev/null -H "$header" "$BASE$path" || true ;;
  esac
  out=$(wrk "${args[@]}" "$BASE$path")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx/{print $5}' <<<"$out")
  to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v+0} else {sub(/s/,"",v); print v*1000} }'; }
  printf '%-20s %12s %10.2f %10.2f %8s\n' "$name" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" "${errors:-0}"
  [ "$name" = healthz ] && healthz_rps=$rps
  [ "$name" != healthz ] && awk -v r="$rps" -v h="$healthz_rps" 'BEGIN{printf "%-20s %11.0f%% of healthz\n", "", 100*r/h}'
done
echo "gzip-compressed /v1/catalog: ${gzip_size} bytes"

# Login storm: logins per second next to the raw Argon2id rate of this machine, and
# catalog latency while the logins run.
export BENCH_EMAIL="storm@example.com" BENCH_PASSWORD="quiet otter lantern river"
curl -fs -o /dev/null -H 'Content-Type: application/json' "$BASE/v1/auth/register" \
  -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\",\"display_name\":\"Bench\"}"
# The raw rate is measured before and after the storm and averaged: on a shared machine
# the speed drifts within a minute.
raw_before=$("${CARGO_TARGET_DIR:-target}"/release/examples/argon2-rate "${DURATION%s}" | awk '{print $2}')
catalog_out=$(mktemp)
wrk -t1 -c4 -d"$DURATION" --latency -s scripts/paced.lua "$BASE/v1/points/LI4" >"$catalog_out" &
catalog_wrk=$!
storm=$(wrk -t1 -c16 -d"$DURATION" --latency -s scripts/login.lua "$BASE/v1/auth/login")
wait $catalog_wrk
raw_after=$("${CARGO_TARGET_DIR:-target}"/release/examples/argon2-rate "${DURATION%s}" | awk '{print $2}')
raw=$(awk -v a="$raw_before" -v b="$raw_after" 'BEGIN{printf "%.1f", (a + b) / 2}')
logins=$(awk '/Requests\/sec/{print $2}' <<<"$storm")
login_errors=$(awk '/Non-2xx or 3xx/{print $5}' <<<"$storm")
catalog_p99=$(awk '$1=="99%"{print $2}' "$catalog_out")
catalog_rps=$(awk '/Requests\/sec/{print $2}' "$catalog_out")
rm -f "$catalog_out"
echo
printf 'raw argon2id verifications/s: %s (%s before the storm, %s after)\n' "$raw" "$raw_before" "$raw_after"
printf 'logins/s during storm:        %s (%s%% of raw; non-2xx: %s)\n' "$logins" \
  "$(awk -v l="$logins" -v r="$raw" 'BEGIN{printf "%.0f", 100*l/r}')" "${login_errors:-0}"
printf "catalog p99 during storm:     %s (paced, ~400 req/s: %s req/s measured)\n" "$catalog_p99" "$catalog_rps"

# Edits while reading: an admin changes a precaution again and again (each edit checks
# the whole catalog, writes a revision and a new version, and every instance rebuilds
# its snapshot), while paced public reads go on. At most 300 edits, within DURATION.
export BENCH_ADMIN="editor@example.com"
curl -fs -o /dev/null -H 'Content-Type: application/json' "$BASE/v1/auth/register" \
  -d "{\"email\":\"$BENCH_ADMIN\",\"password\":\"$BENCH_PASSWORD\",\"display_name\":\"Editor\"}"
DATABASE_URL="$DB_URL" "${CARGO_TARGET_DIR:-target}"/release/acupress admin grant "$BENCH_ADMIN" >/dev/null
admin_token=$(curl -fs -H 'Content-Type: application/json' "$BASE/v1/auth/login" \
  -d "{\"email\":\"$BENCH_ADMIN\",\"password\":\"$BENCH_PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["tokens"]["access_token"])')
reads_out=$(mktemp)
wrk -t1 -c4 -d"$DURATION" --latency -s scripts/paced.lua "$BASE/v1/points/LI4" >"$reads_out" &
reads_wrk=$!
edits=$(BASE="$BASE" TOKEN="$admin_token" SECONDS_MAX="${DURATION%s}" python3 - <<'PY'
import json, os, time, urllib.request
base, token, limit = os.environ["BASE"], os.environ["TOKEN"], float(os.environ["SECONDS_MAX"])
started, times = time.monotonic(), []
for n in range(300):
    if time.monotonic() - started > limit - 0.5:
        break
    req = urllib.request.Request(base + "/v1/admin/precautions/open-wounds", method="PATCH",
        data=json.dumps({"title": f"Open wounds ({n})"}).encode(),
        headers={"Authorization": "Bearer " + token, "If-Match": "*",
                 "Content-Type": "application/merge-patch+json"})
    t = time.monotonic()
    with urllib.request.urlopen(req) as res:
        res.read()
    times.append((time.monotonic() - t) * 1000)
times.sort()
print(f"{len(times)} {times[len(times) // 2]:.1f} {times[-1]:.1f}")
PY
)
wait $reads_wrk
read -r edit_count edit_p50 edit_max <<<"$edits"
printf "\nadmin edits while reading:    %s edits, each %s ms median, %s ms max (catalog checked, revision, new version, reload)\n" \
  "$edit_count" "$edit_p50" "$edit_max"
printf "public read p99 during edits: %s (paced, ~400 req/s: %s req/s measured)\n" \
  "$(awk '$1=="99%"{print $2}' "$reads_out")" "$(awk '/Requests\/sec/{print $2}' "$reads_out")"
rm -f "$reads_out"

scripts/bench-history.sh
