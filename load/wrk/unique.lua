-- Makes every request's URL new, so that the mock's response cache cannot answer it: appends
-- filter[q][id_not_eq]=<thread>-<n>, which the mock accepts on lists and retrieves alike and
-- which matches every record (no id has a hyphen). What is measured is then the mock
-- rendering each answer. The static server ignores the query string.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local n = 0

function request()
  n = n + 1
  local sep = wrk.path:find("?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "filter%5Bq%5D%5Bid_not_eq%5D=" .. tid .. "-" .. n)
end
