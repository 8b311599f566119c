-- One random national number per request, from the file named by NNS.
-- TARGET=nur: POST {"national_number": …} with the bearer token in TOKEN (a NUR procedure).
-- TARGET=datasette: GET ?national_number=… (a Datasette canned query).
local nns = {}
local target = os.getenv("TARGET")
local token = os.getenv("TOKEN")

function init(args)
  for line in io.lines(os.getenv("NNS")) do nns[#nns + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local nn = nns[math.random(#nns)]
  if target == "nur" then
    return wrk.format("POST", wrk.path, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["X-NUR-Purpose"] = "bench",
    }, '{"national_number":"' .. nn .. '"}')
  end
  return wrk.format("GET", wrk.path .. "?national_number=" .. nn)
end

function done(summary, latency, requests)
  io.write(string.format('{"requests_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d,"non2xx":%d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.errors.status))
end
