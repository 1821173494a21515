#!/usr/bin/env bash
# History benchmark, run by scripts/bench.sh against its server (BASE, DB_URL, DURATION,
# CONNECTIONS set there): session creation next to pgbench's single-row INSERT at the
# same concurrency, then list and stats latency for one user with 100,000 sessions.
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql_db() { psql "$DB_URL" -qAt "$@"; }
register() {
  curl -fs -H 'Content-Type: application/json' "$BASE/v1/auth/register" \
    -d "{\"email\":\"$1\",\"password\":\"quiet otter lantern river\",\"display_name\":\"Bench\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["access_token"])'
}
ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v+0} else {sub(/s/,"",v); print v*1000} }'; }

# --- session creation vs pgbench, 16 users, same concurrency -----------------------
for i in $(seq 1 16); do register "writer$i@example.com"; done >"$work/tokens"
create=$(BENCH_TOKENS="$work/tokens" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/create-session.lua "$BASE")
create_rps=$(awk '/Requests\/sec/{print $2}' <<<"$create")
create_errors=$(awk '/Non-2xx or 3xx/{print $5}' <<<"$create")
# The same row as the API stores (steps included) into a copy of its table with the same
# indexes, generated columns and foreign key; only the API's own work is missing.
psql_db -c "CREATE TABLE bench_insert (LIKE massage_sessions INCLUDING ALL,
                                       FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
            CREATE SEQUENCE bench_version;
            CREATE TABLE bench_users AS SELECT row_number() OVER () AS n, id FROM users WHERE email LIKE 'writer%'"
cat >"$work/insert.sql" <<'SQL'
\set u random(1, 16)
INSERT INTO bench_insert (id, user_id, started_at, duration_seconds, condition_slug, stress_before, stress_after, steps, version)
SELECT gen_random_uuid(), id, now(), 300, 'insomnia', 7, 4,
       '[{"point":"HT7","side":"both","seconds":60,"pressure":"light"},{"point":"PC6","side":"both","seconds":60,"pressure":"medium"}]',
       nextval('bench_version') FROM bench_users WHERE n = :u;
SQL
pgbench_tps=$(pgbench -n -c"$CONNECTIONS" -j2 -T"${DURATION%s}" -f "$work/insert.sql" "$DB_URL" 2>/dev/null |
  awk '/^tps/{print $3}')
psql_db -c "DROP TABLE bench_insert; DROP SEQUENCE bench_version; DROP TABLE bench_users"

# --- one user with 100,000 sessions ---------------------------------------------------
heavy=$(register "heavy@example.com")
heavy_id=$(curl -fs -H "Authorization: Bearer $heavy" "$BASE/v1/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
psql_db <<SQL
INSERT INTO massage_sessions (id, user_id, started_at, duration_seconds, condition_slug, routine_slug,
                              pain_before, pain_after, stress_before, stress_after, steps, version)
SELECT gen_random_uuid(), '$heavy_id', now() - (g * interval '15 minutes'), 180 + g % 300,
       (ARRAY['insomnia','stress','tension-headache',NULL])[1 + g % 4],
       (ARRAY['sleep-wind-down','stress-reset',NULL])[1 + g % 3],
       g % 8, g % 5, (g * 7) % 10, (g * 3) % 6,
       -- six common points, and CV6 as the first step of one session in 500 (a rare filter)
       (SELECT jsonb_agg(jsonb_build_object('point', CASE WHEN g % 500 = 0 AND p = 0 THEN 'CV6'
                                                          ELSE (ARRAY['HT7','PC6','LI4','GB20','ST36','SP6'])[1 + (g + p) % 6] END,
                                            'side', 'both', 'seconds', 60, 'pressure', 'medium'))
          FROM generate_series(0, 2) p),
       g
  FROM generate_series(1, 100000) g;
UPDATE users SET history_version = 100000 WHERE id = '$heavy_id';
ANALYZE massage_sessions; ANALYZE history_days; ANALYZE history_point_days;
SQL
# A cursor about 700 days deep (sessions every 15 minutes: 67,200 newer ones), reached
# by paging without filters the way an app scrolls back.
deep_cursor=$(python3 - "$BASE" "$heavy" <<'PY'
import json, sys, urllib.request
base, token, cursor, seen = sys.argv[1], sys.argv[2], "", 0
while seen < 67200:
    req = urllib.request.Request(f"{base}/v1/me/sessions?limit=100&cursor={cursor}",
                                 headers={"Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req))
    seen, cursor = seen + len(page["items"]), page["next_cursor"]
print(cursor)
PY
)
year_to=$(date -u +%Y-%m-%d)
year_from=$(date -u -d '-364 days' +%Y-%m-%d)
# The first statistics read folds the 100,000 seeded sessions into the rollups.
fold_ms=$(curl -fs -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $heavy" \
  "$BASE/v1/me/stats?from=$year_from&to=$year_to" | awk '{printf "%.0f", $1 * 1000}')
printf '\n%-34s %10s %10s %10s\n' "history (100,000 sessions)" req/s p50_ms p99_ms
# name | path | connections (1 = one request at a time: latency without queueing)
for case in "first page|/v1/me/sessions?limit=20|4" \
            "page ~700 days back|/v1/me/sessions?limit=20&cursor=$deep_cursor|4" \
            "filtered by a common point|/v1/me/sessions?limit=20&point=HT7|4" \
            "filtered by a rare point (0.2%)|/v1/me/sessions?limit=20&point=CV6|4" \
            "rare point, page ~700 days back|/v1/me/sessions?limit=20&point=CV6&cursor=$deep_cursor|4" \
            "filter matching nothing|/v1/me/sessions?limit=20&condition=anxiety|4" \
            "stats for a year, 1 at a time|/v1/me/stats?from=$year_from&to=$year_to|1" \
            "stats for a year, 4 at once|/v1/me/stats?from=$year_from&to=$year_to|4"; do
  IFS='|' read -r name path conns <<<"$case"
  out=$(wrk -t1 -c"$conns" -d"$DURATION" --latency -H "Authorization: Bearer $heavy" "$BASE$path")
  printf '%-34s %10s %10.2f %10.2f\n' "$name" "$(awk '/Requests\/sec/{print $2}' <<<"$out")" \
    "$(ms "$(awk '$1=="50%"{print $2}' <<<"$out")")" "$(ms "$(awk '$1=="99%"{print $2}' <<<"$out")")"
done
echo
printf 'session creation: %s req/s (non-2xx: %s)\n' "$create_rps" "${create_errors:-0}"
printf 'pgbench INSERT:   %s tps, same concurrency (%s)\n' "$pgbench_tps" "$CONNECTIONS"
printf 'ratio:            %s%%\n' "$(awk -v a="$create_rps" -v b="$pgbench_tps" 'BEGIN{printf "%.0f", 100*a/b}')"
printf 'first stats read after seeding 100,000 sessions (folds them): %s ms\n' "$fold_ms"
