-- wrk script: send pre-built requests, each once (signatures and Idempotency-Keys are single use).
-- Arguments after `--`: <requests file> <threads> [<capture file prefix>]
-- Requests file: one request a line, "METHOD\tPATH\tHEADERS\tBODY", headers "name: value" joined by \31.
-- A thread that has sent all its requests stops (a replayed signature would count as a failed
-- sign-in and lock the address out), so throughput is taken here, not from wrk's own figure (which
-- divides by the whole duration): answers counted before the pool ran out, over the time they took.
-- With a capture prefix, each 201's "id" and "account_id" are written to <prefix>.<thread>, one a line.

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_usec; } bench_timeval;
   int gettimeofday(bench_timeval *tv, void *tz);
]]
local clock = ffi.new("bench_timeval")

local function now_us()
   ffi.C.gettimeofday(clock, nil)
   return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_usec)
end

local threads = {}
local counter = 0

function setup(thread)
   thread:set("thread_id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local pool = {}
local next_index = 1
local capture = nil
local refusals_shown = 0
exhausted = 0
answered = 0
started_us = 0
last_us = 0

local function split(text, separator)
   local parts = {}
   local start = 1
   while true do
      local at = string.find(text, separator, start, true)
      if not at then
         table.insert(parts, string.sub(text, start))
         return parts
      end
      table.insert(parts, string.sub(text, start, at - 1))
      start = at + 1
   end
end

function init(args)
   local file, count = args[1], tonumber(args[2])
   local n = 0
   for line in io.lines(file) do
      if n % count == thread_id then
         local fields = split(line, "\t")
         local headers = {}
         if fields[3] ~= "" then
            for _, header in ipairs(split(fields[3], "\31")) do
               local name, value = string.match(header, "^([^:]+): (.*)$")
               headers[name] = value
            end
         end
         local body = fields[4]
         if body == "" then body = nil end
         table.insert(pool, wrk.format(fields[1], fields[2], headers, body))
      end
      n = n + 1
   end
   if args[3] then
      capture = io.open(args[3] .. "." .. thread_id, "w")
   end
end

function request()
   if started_us == 0 then started_us = now_us() end
   if next_index > #pool then
      -- Spent: stop, and send something harmless meanwhile (anonymous, no signature to replay).
      exhausted = 1
      wrk.thread:stop()
      return wrk.format("GET", "/api/v1/health")
   end
   local built = pool[next_index]
   next_index = next_index + 1
   return built
end

function response(status, headers, body)
   if exhausted == 1 then return end
   answered = answered + 1
   last_us = now_us()
   if status >= 300 and refusals_shown < 2 then
      refusals_shown = refusals_shown + 1
      io.write("refused ", status, " ", string.sub(body or "", 1, 300), "\n")
   end
   if capture and status == 201 then
      local id = string.match(body, '"id":"([^"]+)"')
      local account = string.match(body, '"account_id":"([^"]+)"')
      if id and account then
         capture:write(id, "\t", account, "\n")
         capture:flush()
      end
   end
end

function done(summary, latency, requests)
   local total, first, last, spent = 0, nil, 0, 0
   for _, thread in ipairs(threads) do
      total = total + (thread:get("answered") or 0)
      local s, l = thread:get("started_us") or 0, thread:get("last_us") or 0
      if s > 0 and (first == nil or s < first) then first = s end
      if l > last then last = l end
      spent = spent + (thread:get("exhausted") or 0)
   end
   io.write(string.format("answered %d span_us %d exhausted %d\n", total, last - (first or last), spent))
end
