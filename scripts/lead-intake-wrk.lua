-- Single-lead intake for wrk: each request a new lead (unique source id); half name a phone
-- on file (attach), half a new one (create). TOKEN, STORE, EXISTING come from the environment.
local threads = {}
local counter = 0
function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end
function init(args)
    token = os.getenv("TOKEN")
    store = os.getenv("STORE")
    existing = tonumber(os.getenv("EXISTING"))
    frames = {"within_7_days", "within_15_days", "within_30_days", "later"}
end
function request()
    counter = counter + 1
    local i = counter
    local phone
    if i % 2 == 0 then
        phone = string.format("1380%07d", (math.floor(i / 2) + tid * 7919) % existing)
    else
        phone = string.format("139%d%07d", tid, i)
    end
    local body = string.format(
        '{"source":"autohome","source_lead_id":"AH-%d-%d","store_id":"%s",' ..
        '"customer":{"name":"客户%d-%d","phone":"%s"},' ..
        '"wanted":{"condition":"new","brand":"比亚迪","model":"汉EV","budget_max_cents":25000000},' ..
        '"timeframe":"%s"}', tid, i, store, tid, i, phone, frames[i % 4 + 1])
    return wrk.format("POST", nil, {["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token}, body)
end
function response(status, headers, body)
    if status ~= 201 then
        bad = (bad or 0) + 1
        if bad <= 3 then print(status, body) end
    end
end
function done(summary, latency, requests)
    local s = summary.duration / 1e6
    io.write(string.format("WRK requests %d seconds %.2f rate %.0f errors %d non2xx %d " ..
        "p50 %.1f p95 %.1f p99 %.1f max %.1f\n", summary.requests, s, summary.requests / s,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
        summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000))
end
