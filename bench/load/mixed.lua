-- A wrk scenario that mirrors aipipe serve's real traffic: teachers' uploads of several
-- sizes to POST /infer/ocr, load-balancer health checks, Prometheus scrapes, and (where the
-- service has them) feature reads and model listing. run.sh probes each route first and
-- passes only those that do not answer 404, with their weights:
--   wrk ... -s mixed.lua URL -- BODY_DIR name=weight name=weight ...
-- Routes: small, medium, page (uploads), health, metrics, features, models.
-- Every thread builds the same weighted table and picks from it with its own PRNG.

local routes = {}
local total = 0

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

function init(args)
  local dir = args[1]
  local boundary = "aipipeloadtest"
  local function upload(file)
    return wrk.format("POST", "/infer/ocr",
      { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary },
      read(dir .. "/" .. file .. ".body"))
  end
  local make = {
    small = function() return upload("small") end,
    medium = function() return upload("medium") end,
    page = function() return upload("page") end,
    health = function() return wrk.format("GET", "/health") end,
    metrics = function() return wrk.format("GET", "/metrics") end,
    features = function() return wrk.format("GET", read(dir .. "/features.path")) end,
    models = function() return wrk.format("GET", "/models") end,
  }
  for i = 2, #args do
    local name, weight = args[i]:match("^(%w+)=(%d+)$")
    assert(name and make[name], "bad route argument " .. args[i])
    total = total + tonumber(weight)
    table.insert(routes, { limit = total, req = make[name]() })
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

function request()
  local r = math.random(total)
  for _, route in ipairs(routes) do
    if r <= route.limit then return route.req end
  end
end
