-- One wrk script for every endpoint, configured by environment variables:
--   BENCH_METHOD   GET (default) or POST
--   BENCH_HEADERS  "Name: value" pairs separated by "|"
--   BENCH_BODY     fixed request body (POST), or the prefix the per-request value is appended to
--   BENCH_VALUES   file with one single-use value per line (authorization codes, refresh tokens); each
--                  request takes the next one; a thread that runs out stops and notes the time, so the
--                  rate is computed over the time it really ran
--   BENCH_MAX      stop each thread after this many requests (0 = no limit)
-- done() prints one JSON line: requests, errors, effective duration, latency percentiles (µs).

local function now_us()
  local p = io.popen("date +%s%6N")
  local v = tonumber(p:read("*l"))
  p:close()
  return v
end

local threads = {}
local counter = 0
local started_us = nil

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
  if started_us == nil then started_us = now_us() end
end

local values = nil
local idx = 0
local sent = 0
local max = 0
local method = "GET"
local body = nil
local headers = {}
local nthreads = 1

function init(args)
  method = os.getenv("BENCH_METHOD") or "GET"
  body = os.getenv("BENCH_BODY")
  max = tonumber(os.getenv("BENCH_MAX") or "0") or 0
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "1") or 1
  local h = os.getenv("BENCH_HEADERS")
  if h and h ~= "" then
    for pair in string.gmatch(h, "[^|]+") do
      local name, value = string.match(pair, "^%s*([^:]+):%s*(.*)$")
      if name then headers[name] = value end
    end
  end
  if method == "POST" and headers["Content-Type"] == nil then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  local file = os.getenv("BENCH_VALUES")
  if file and file ~= "" then
    -- Thread i takes lines i, i+n, i+2n, … so no value is used twice.
    local tid = tonumber(wrk.thread:get("tid")) or 1
    values = {}
    local line_no = 0
    for line in io.lines(file) do
      if line ~= "" then
        if line_no % nthreads == tid - 1 then table.insert(values, line) end
        line_no = line_no + 1
      end
    end
  end
end

function request()
  sent = sent + 1
  if (max > 0 and sent > max) or (values ~= nil and idx >= #values) then
    if wrk.thread:get("stopped_us") == nil then wrk.thread:set("stopped_us", now_us()) end
    wrk.thread:stop()
    -- wrk still wants a request: repeat a harmless one that will never be sent to completion.
    return wrk.format("GET", "/healthz")
  end
  local b = body
  if values ~= nil then
    idx = idx + 1
    b = (body or "") .. values[idx]
  end
  if method == "POST" then
    return wrk.format("POST", nil, headers, b)
  end
  return wrk.format(method, nil, headers)
end

function done(summary, latency, requests)
  local stopped = 0
  local all_stopped = true
  for _, t in ipairs(threads) do
    local s = t:get("stopped_us")
    if s == nil then all_stopped = false elseif s > stopped then stopped = s end
  end
  local effective = summary.duration
  if all_stopped and started_us ~= nil and stopped > started_us then effective = stopped - started_us end
  io.write(string.format(
    '\nBENCH_JSON {"requests":%d,"duration_us":%d,"effective_us":%d,"all_stopped":%s,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, effective, tostring(all_stopped),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
