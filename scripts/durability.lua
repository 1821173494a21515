-- wrk script for scripts/durability.sh: POST /v1/me/sessions, each with its own
-- client-chosen id, and log every answer so the script can check afterwards that each
-- 201 is in the database.
--
-- Environment: DURABILITY_TOKENS  file with one access token per line
--              DURABILITY_RUN     8 hex digits, unique per run (first group of every id)
--              DURABILITY_OUT     prefix of the per-thread logs: <prefix>.<thread>
-- Log lines: "<unix ms> <status> <id>" for a 201 (the id the body names), otherwise
-- "<unix ms> <status> - <problem code> <request id> <content type>" ("-" when absent).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } durability_timespec;
  int clock_gettime(int clk_id, durability_timespec *tp);
]]
local ts = ffi.new("durability_timespec")
local function now_ms()
  ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME, comparable with `date +%s%3N`
  return tonumber(ts.tv_sec) * 1000 + math.floor(tonumber(ts.tv_nsec) / 1e6)
end

-- Runs in the main state once per thread, before the threads start.
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
end

local tokens, out, run
local n = 0

function init(args)
  tokens = {}
  for line in io.lines(os.getenv("DURABILITY_TOKENS")) do tokens[#tokens + 1] = line end
  run = os.getenv("DURABILITY_RUN")
  out = assert(io.open(os.getenv("DURABILITY_OUT") .. "." .. thread_no, "w"))
  out:setvbuf("line") -- every line reaches the file even if wrk is killed
end

-- <run>-<thread>-4<counter>-8<counter>-<counter>: unique per run, thread and request.
local function new_id(k)
  return string.format("%s-%04x-4%03x-8%03x-%012x", run, thread_no,
    math.floor(k / 0x1000000) % 0x1000, math.floor(k / 0x1000) % 0x1000, k)
end

function request()
  n = n + 1
  local id = new_id(n)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1],
  }
  -- Every other request takes the idempotent path (claim and response stored in the
  -- same transaction as the row); the key differs from the id only in its variant.
  if n % 2 == 0 then headers["Idempotency-Key"] = id:sub(1, 19) .. "9" .. id:sub(21) end
  local body = string.format(
    '{"id":"%s","started_at":"2026-11-%02dT%02d:%02d:00Z","duration_seconds":300,'
    .. '"condition":"insomnia","steps":[{"point":"HT7","side":"both","seconds":60,'
    .. '"pressure":"light"},{"point":"PC6","side":"both","seconds":60,"pressure":"medium"}],'
    .. '"stress_before":7,"stress_after":4}',
    id, (n % 20) + 1, n % 24, n % 60)
  return wrk.format("POST", "/v1/me/sessions", headers, body)
end

function response(status, headers, body)
  if status == 201 then
    -- {"session":{"id":"...",...}}: the first "id" is the session's.
    local id = body:match('"id"%s*:%s*"([0-9a-fA-F-]+)"') or "unparsed"
    out:write(string.format("%d %d %s\n", now_ms(), status, id))
  else
    local ctype = (headers["Content-Type"] or headers["content-type"] or "-"):gsub("%s", "")
    out:write(string.format("%d %d - %s %s %s\n", now_ms(), status,
      body:match('"code"%s*:%s*"([^"]+)"') or "-",
      body:match('"request_id"%s*:%s*"([^"]+)"') or "-", ctype))
  end
end
