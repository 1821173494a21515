-- wrk script: a different search on every request, so none is served from the cache.
local names = {"zusanli", "hegu", "neiguan", "taichong", "fengchi", "baihui", "shenmen", "yongquan"}
local n = 0
request = function()
  n = n + 1
  local q = names[(n % #names) + 1] .. string.sub(tostring(n), -3)
  return wrk.format("GET", "/v1/points?q=" .. q .. "&limit=" .. ((n % 90) + 10))
end
