-- wrk script: POST /v1/me/sessions as one of several users (tokens in $BENCH_TOKENS, a file).
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{"started_at":"2026-11-%02dT%02d:%02d:00Z","duration_seconds":300,"condition":"insomnia",'
    .. '"steps":[{"point":"HT7","side":"both","seconds":60,"pressure":"light"},'
    .. '{"point":"PC6","side":"both","seconds":60,"pressure":"medium"}],"stress_before":7,"stress_after":4}',
    (n % 20) + 1, n % 24, n % 60)
  return wrk.format("POST", "/v1/me/sessions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]}, body)
end
