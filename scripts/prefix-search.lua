-- wrk script: people typing point names into a search box, letter by letter. Every
-- request is the next prefix of a pinyin name or a code from data/points.csv (`z`,
-- `zu`, `zus`, … `zusanli`, then `s`, `st`, `st3`, `st36`), and the page size moves
-- between 10 and 29 so that the response cache rarely answers.
local prefixes = {}
for line in io.lines("data/points.csv") do
  local code, ascii = line:match("^([^,]*),[^,]*,[^,]*,[^,]*,([^,]*),")
  if code and code ~= "code" then
    for _, word in ipairs({ascii:lower(), code:lower()}) do
      for n = 1, #word do
        prefixes[#prefixes + 1] = word:sub(1, n)
      end
    end
  end
end
local n = 0
request = function()
  n = n + 1
  local q = prefixes[(n - 1) % #prefixes + 1]
  return wrk.format("GET", "/v1/points?q=" .. q .. "&limit=" .. ((n % 20) + 10))
end
