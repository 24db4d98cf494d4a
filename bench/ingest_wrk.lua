-- wrk script for bench/ingest.py: POST recorded batches, each with a fresh batch id
-- so the server stores every one (a repeated id would take the duplicate fast path).
local bodies = {}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  sent = 0
end

function request()
  sent = sent + 1
  local body = bodies[(sent % #bodies) + 1]
  body = body:gsub('"bid":"[^"]*"', '"bid":"wrk-' .. tid .. '-' .. sent .. '"', 1)
  return wrk.format("POST", "/api/v1/ingest", {["Content-Type"] = "text/plain"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("WRK requests=%d errors=%d p50_us=%d p99_us=%d duration_us=%d\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, latency:percentile(50),
    latency:percentile(99), summary.duration))
end
