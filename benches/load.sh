#!/usr/bin/env bash
# Throughput under load, on loopback, in one run of one server (wrk, C threads × 1 connection):
#   static  GET  /static/sample-report.json    a 15 KB file: the size of a report document
#   client  the same file through the Lua client of the live requests below: wrk runs on the
#           server's two cores, and building a body and reading each answer costs it CPU
#   floor   POST /api/validate                 5 KB refused at once: what any POST costs
#   api     POST /api/validate                 that same document as the body
#   check   POST /reports/{id}/check, htmx     the live-validation round trip: what the page
#                                              sends shortly after each keystroke in a table
#                                              (its inputs with one cell changed, and what the
#                                              page shows), answered with totals, marks,
#                                              problems; "text": the same after typing in a
#                                              text, which sends the whole form (~20 KB)
#   save    POST /reports/{id}, htmx           the autosave after a pause: the same form
#                                              against the version it last saw, stored durably
# Each connection is one signed-in clerk on their own report.
# Needs wrk (Debian: apt-get install wrk). Usage: benches/load.sh [seconds] [clerks]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-8}
cargo build --release -q --bin nianbao
work=$(mktemp -d)
addr=127.0.0.1:3999
export DATABASE_URL="sqlite://$work/bench.db"
# One agency and one clerk per connection.
for n in $(seq 1 "$conns"); do
  target/release/nianbao admin create-agency --name "压测机关$n" --kind department >/dev/null
  echo "bench-password-$n" | target/release/nianbao admin create-user --username "clerk$n" --name "压测填报人$n" \
    --role clerk --agency "压测机关$n" --password-stdin >/dev/null
done
NIANBAO_ADDR=$addr RUST_LOG=warn target/release/nianbao serve >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; cp "$work/wrk.log" /tmp/last-wrk.log 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "http://$addr/healthz" >/dev/null && break; sleep 0.2; done

# Each clerk signs in and opens a 2025 report: "report-id cookie csrf" per line.
for n in $(seq 1 "$conns"); do
  jar="$work/jar$n"
  curl -fs -c "$jar" -b "$jar" -o /dev/null "http://$addr/login"
  login=$(awk '/nianbao_login_csrf/ {print $7}' "$jar")
  curl -fs -c "$jar" -b "$jar" -o /dev/null -X POST "http://$addr/login" \
    --data-urlencode "csrf=$login" --data-urlencode "username=clerk$n" --data-urlencode "password=bench-password-$n"
  csrf=$(curl -fs -b "$jar" "http://$addr/" | grep -o 'X-CSRF-Token": "[0-9a-f]*' | awk '{print $2}' | tr -d '"')
  report=$(curl -fs -b "$jar" -o /dev/null -w '%{redirect_url}' -X POST "http://$addr/reports" \
    --data-urlencode "csrf=$csrf" -d year=2025 | sed 's#.*/reports/##')
  echo "$report $(awk '/nianbao_session/ {print $7}' "$jar") $csrf" >>"$work/sessions.txt"
done
python3 - "$work" <<'PY'
import json, sys, urllib.parse
doc = json.load(open("tests/data/2023-pingdingshan-kejiju.json"))
fields = [("text." + k, v) for k, v in doc["text"].items()]
fields += [(k, str(v)) for k, v in doc["cells"].items() if not (k.endswith(".total") or ".results_total." in k)]
open(sys.argv[1] + "/form.txt", "w").write(urllib.parse.urlencode(fields))
# After typing in a table the page checks its inputs only (hx-include="#report-form input").
cells = [(k, v) for k, v in fields if not k.startswith("text.")]
open(sys.argv[1] + "/cells.txt", "w").write(urllib.parse.urlencode(cells))
PY
# The floor: a 5 KB body the server refuses at once (422), through the same middleware.
python3 -c "print(' ' * 5000 + '1', end='')" >"$work/floor.json"
cat >"$work/floor.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("$work/floor.json"):read("*a")
LUA
cat >"$work/api.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("tests/data/2023-pingdingshan-kejiju.json"):read("*a")
LUA
# The same client for the live requests; $1 is the path after /reports/{id}, $2 the form.
live_lua() {
cat <<LUA
local sessions, counter = {}, 0
for line in io.lines("$work/sessions.txt") do table.insert(sessions, line) end
function setup(thread)
  counter = counter + 1
  local report, cookie, csrf = sessions[counter]:match("(%S+) (%S+) (%S+)")
  thread:set("report", report)
  thread:set("cookie", cookie)
  thread:set("csrf", csrf)
end
local form = io.open("$work/$2"):read("*a")
local version, shown, n = 1, "", 0
request = function()
  n = n + 1
  local body = "version=" .. version .. "&shown=" .. shown .. "&" .. form .. "&appeals.review.pending=" .. (n % 7)
  return wrk.format("POST", "/reports/" .. report .. "$1", {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true",
    ["Cookie"] = "nianbao_session=" .. cookie, ["X-CSRF-Token"] = csrf}, body)
end
-- What the page keeps from an answer (plain finds: Lua patterns would cost the client, on
-- the server's cores, more than the server spends on a check).
local function attribute(body, before)
  local at = body:find(before, 1, true)
  if not at then return nil end
  local from = at + #before
  return body:sub(from, body:find('"', from, true) - 1)
end
response = function(status, headers, body)
  version = attribute(body, 'id="version" name="version" value="') or version
  shown = attribute(body, 'id="shown" name="shown" value="') or shown
  if status ~= 200 then print("status " .. status) end
end
LUA
}
live_lua /check cells.txt >"$work/check.lua"
# The static file through that same client (a body built per request, the answer read):
# what the scripted client itself costs on the cores it shares with the server.
sed -e 's#"/reports/" .. report .. "/check"#"/static/sample-report.json"#' -e 's#wrk.format("POST"#wrk.format("GET"#' \
  "$work/check.lua" >"$work/static-client.lua"
live_lua /check form.txt >"$work/check-text.lua"
live_lua "" form.txt >"$work/save.lua"

run() {
  wrk -t"$conns" -c"$conns" -d"${secs}s" "$@" | tee -a "$work/wrk.log" | awk '/Requests\/sec/ {print $2} /Latency/ {lat=$2} END {print lat}'
}
echo "wrk -t$conns -c$conns -d${secs}s on http://$addr ($(nproc) cores; server and wrk share them)"
static=($(run "http://$addr/static/sample-report.json"))
client=($(run -s "$work/static-client.lua" "http://$addr/static/sample-report.json"))
floor=($(run -s "$work/floor.lua" "http://$addr/api/validate"))
# Its answers are 422 by design: keep them out of the check for failed requests below.
sed -i '/Non-2xx/d' "$work/wrk.log"
api=($(run -s "$work/api.lua" "http://$addr/api/validate"))
check=($(run -s "$work/check.lua" "http://$addr/reports/1/check"))
checktext=($(run -s "$work/check-text.lua" "http://$addr/reports/1/check"))
save=($(run -s "$work/save.lua" "http://$addr/reports/1"))
ratio() { echo "$1 / $2" | bc -l; }
printf '%-40s %10s req/s  avg latency %8s\n' "GET static 15 KB" "${static[0]}" "${static[1]}"
printf '%-40s %10s req/s  avg latency %8s  %.2fx static\n' "GET static, through the live client" "${client[0]}" "${client[1]}" "$(ratio "${client[0]}" "${static[0]}")"
printf '%-40s %10s req/s  avg latency %8s  %.2fx static\n' "POST 5 KB refused at once (floor)" "${floor[0]}" "${floor[1]}" "$(ratio "${floor[0]}" "${static[0]}")"
printf '%-40s %10s req/s  avg latency %8s  %.2fx static\n' "POST /api/validate (15 KB report)" "${api[0]}" "${api[1]}" "$(ratio "${api[0]}" "${static[0]}")"
printf '%-40s %10s req/s  avg latency %8s  %.2fx static\n' "POST /reports/{id}/check (typing, table)" "${check[0]}" "${check[1]}" "$(ratio "${check[0]}" "${static[0]}")"
printf '%-40s %10s req/s  avg latency %8s  %.2fx static\n' "POST /reports/{id}/check (typing, text)" "${checktext[0]}" "${checktext[1]}" "$(ratio "${checktext[0]}" "${static[0]}")"
printf '%-40s %10s req/s  avg latency %8s  %.2fx static\n' "POST /reports/{id} (autosave)" "${save[0]}" "${save[1]}" "$(ratio "${save[0]}" "${static[0]}")"
# Every request must have succeeded for the numbers to mean anything.
if grep -q "Non-2xx" "$work/wrk.log"; then grep "Non-2xx" "$work/wrk.log"; echo "some requests failed"; exit 1; fi
