-- POSTs a new role on every request, each with its own name, in the organization named by
-- the environment's LOAD_ORG (each create also writes the role's version).
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/vnd.api+json"
local org = os.getenv("LOAD_ORG") or "orgBlueBrd"
local n = 0

function request()
  n = n + 1
  local body = string.format(
    '{"data":{"type":"roles","attributes":{"name":"Load role %d-%d"},' ..
    '"relationships":{"organization":{"data":{"type":"organizations","id":"%s"}}}}}',
    tid, n, org)
  return wrk.format(nil, nil, nil, body)
end
