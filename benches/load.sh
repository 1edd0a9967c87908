#!/usr/bin/env bash
# Throughput under load, on loopback, in one run of one server:
#   static  GET  /static/sample-report.json   (a 15 KB file, the size of a report document)
#   api     POST /api/validate                (that same document as the body)
#   live    POST /reports/{id} with HX-Request (the whole form, one cell changed each time:
#                                              save + recompute + validate + fragments)
# Needs wrk (Debian: apt-get install wrk). Usage: benches/load.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-16}
cargo build --release -q --bin nianbao
work=$(mktemp -d)
addr=127.0.0.1:3999
DATABASE_URL="sqlite://$work/bench.db" NIANBAO_ADDR=$addr RUST_LOG=warn \
  target/release/nianbao serve --demo >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "http://$addr/healthz" >/dev/null && break; sleep 0.2; done

# The live form body: every field of report 1 as the browser sends it.
python3 - "$work" <<'PY'
import json, sys, urllib.parse
doc = json.load(open("tests/data/2023-pingdingshan-kejiju.json"))
fields = [("version", "1")]
fields += [("text." + k, v) for k, v in doc["text"].items()]
fields += [(k, str(v)) for k, v in doc["cells"].items() if not (k.endswith(".total") or ".results_total." in k)]
open(sys.argv[1] + "/form.txt", "w").write(urllib.parse.urlencode(fields))
PY
cat >"$work/api.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("tests/data/2023-pingdingshan-kejiju.json"):read("*a")
LUA
cat >"$work/live.lua" <<LUA
local form = io.open("$work/form.txt"):read("*a")
local n = 0
request = function()
  n = n + 1
  -- "keep:" applies the value whatever the version: every request really writes.
  local body = form .. "&keep%3Aappeals.review.pending=" .. (n % 7)
  return wrk.format("POST", "/reports/1", {["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true"}, body)
end
LUA

run() { wrk -t2 -c"$conns" -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2} /Latency/ {lat=$2} END {print lat}'; }
echo "wrk -t2 -c$conns -d${secs}s on http://$addr ($(nproc) cores, server and wrk on the same machine)"
static=($(run "http://$addr/static/sample-report.json"))
api=($(run -s "$work/api.lua" "http://$addr/api/validate"))
live=($(run -s "$work/live.lua" "http://$addr/reports/1"))
printf '%-34s %10s req/s  avg latency %s\n' "GET static 15 KB" "${static[0]}" "${static[1]}"
printf '%-34s %10s req/s  avg latency %s  (%.2fx static)\n' "POST /api/validate" "${api[0]}" "${api[1]}" "$(echo "${api[0]} / ${static[0]}" | bc -l)"
printf '%-34s %10s req/s  avg latency %s  (%.2fx static)\n' "POST /reports/1 (htmx live save)" "${live[0]}" "${live[1]}" "$(echo "${live[0]} / ${static[0]}" | bc -l)"
