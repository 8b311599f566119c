-- A DCI CRVS sync search by UIN per request: a random national number from the file named by
-- NNS, a message id unique to the thread and request (a repeated one is refused), the bearer
-- token in TOKEN, the sender id in SENDER.
local nns = {}
local token = os.getenv("TOKEN")
local sender = os.getenv("SENDER")
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("NNS")) do nns[#nns + 1] = line end
  thread_id = tid or 0
  math.randomseed(os.time() + thread_id * 7919)
end

function request()
  counter = counter + 1
  local nn = nns[math.random(#nns)]
  local id = string.format("wrk-%d-%d-%d", os.time(), thread_id, counter)
  local body = '{"signature":"","header":{"version":"1.0.0","message_id":"' .. id ..
    '","message_ts":"2026-12-03T10:00:00Z","action":"search","sender_id":"' .. sender ..
    '","total_count":1},"message":{"transaction_id":"' .. id ..
    '","search_request":[{"reference_id":"r1","timestamp":"2026-12-03T10:00:00Z",' ..
    '"search_criteria":{"query_type":"idtype-value","query":{"type":"UIN","value":"' .. nn ..
    '"},"pagination":{"page_size":1,"page_number":1}}}]}}'
  return wrk.format("POST", wrk.path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format('{"requests_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d,"non2xx":%d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.errors.status))
end
