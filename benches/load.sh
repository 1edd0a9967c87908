#!/usr/bin/env bash
# Throughput under load, on loopback, in one run of one server (wrk, C threads × 1 connection):
#   static  GET  /static/sample-report.json    a 15 KB file: the size of a report document
#   client  the same file through the replaying client of the checks below (wrk runs on the
#           server's two cores: what its Lua costs them)
#   floor   POST /api/validate                 5 KB refused at once: what any POST costs
#   api     POST /api/validate                 that same document as the body
#   check   POST /reports/{id}/check, htmx     the live-validation round trip: what the page
#                                              sends shortly after each keystroke in a table
#                                              (its inputs with one cell changed, and what the
#                                              page shows of the tables), answered with
#                                              totals, marks, problems; "text": after each
#                                              keystroke in the overview, which sends that
#                                              text only (~9 KB)
#   save    POST /reports/{id}, htmx           the autosave after a pause: the same form
#                                              against the version it last saw, stored durably
# Each connection is one signed-in clerk on their own report, saved once filled in (as the
# example report), as it is while a clerk works on it.
# Needs wrk (Debian: apt-get install wrk). Usage: [ONLY=text] benches/load.sh [seconds] [clerks]
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
doc = json.load(open("data/2023-pingdingshan-kejiju.json"))
fields = [("text." + k, v) for k, v in doc["text"].items()]
fields += [(k, str(v)) for k, v in doc["cells"].items() if not (k.endswith(".total") or ".results_total." in k)]
open(sys.argv[1] + "/form.txt", "w").write(urllib.parse.urlencode(fields))
# After typing in a table the page checks its inputs only (hx-include="#report-form input"),
# after typing in a text its inputs and that text (the overview, the longest).
cells = [(k, v) for k, v in fields if not k.startswith("text.")]
open(sys.argv[1] + "/cells.txt", "w").write(urllib.parse.urlencode(cells))
open(sys.argv[1] + "/overview.txt", "w").write(urllib.parse.urlencode([("text.overview", doc["text"]["overview"])]))
PY
# Every script reads files through this: a file left open until Lua collects it holds a
# descriptor, and wrk refuses connections whose descriptor is beyond its small event loop
# (10 + 3 per connection), counting them as connect errors.
slurp='function slurp(path) local f = assert(io.open(path)); local s = f:read("*a"); f:close(); return s end'
# The floor: a 5 KB body the server refuses at once (422), through the same middleware.
python3 -c "print(' ' * 5000 + '1', end='')" >"$work/floor.json"
cat >"$work/floor.lua" <<LUA
$slurp
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = slurp("$work/floor.json")
LUA
cat >"$work/api.lua" <<LUA
$slurp
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = slurp("data/2023-pingdingshan-kejiju.json")
LUA
# The checks replay what a page sends. Each keystroke sets one cell (appeals.review.pending,
# cycling 0..6) and carries what the page shows (`shown`), which the answer to the keystroke
# before it replaced. That cycle is deterministic, so it is worked out once here, through the
# server, and checked to close; wrk then sends it from memory, as cheaply as it sends a GET,
# instead of running Lua over every body and answer on the two cores the server runs on.
python3 - "$work" "$addr" <<'PY'
import sys, urllib.request
work, addr = sys.argv[1], sys.argv[2]
def post(path, body, cookie, csrf):
    request = urllib.request.Request(f"http://{addr}{path}", data=body.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
        "Cookie": "nianbao_session=" + cookie, "X-CSRF-Token": csrf})
    return urllib.request.urlopen(request).read().decode()
def attribute(answer, before):
    at = answer.index(before) + len(before)
    return answer[at:answer.index('"', at)]
# Every clerk's report filled in and saved: version 2.
form = open(work + "/form.txt").read()
for line in open(work + "/sessions.txt"):
    report, cookie, csrf = line.split()
    saved = post(f"/reports/{report}", "version=1&" + form, cookie, csrf)
    assert attribute(saved, 'id="version" name="version" value="') == "2", saved[:300]
report, cookie, csrf = open(work + "/sessions.txt").readline().split()
def check(part, body):
    answer = post(f"/reports/{report}/check?part={part}", body, cookie, csrf)
    return attribute(answer, f'id="shown-{part}" name="shown" value="')
bodies = {
    # A keystroke in a table: one cell changes.
    "tables": lambda shown, k, form=open(work + "/cells.txt").read():
        f"version=2&shown={shown}&{form}&appeals.review.pending={k}",
    # A keystroke in the overview: it grows by a character, seven times, and starts over.
    "texts": lambda shown, k, form=open(work + "/overview.txt").read():
        f"shown={shown}&{form}" + "%E5%AD%97" * k,
}
for part, body in bodies.items():
    shown = [""] * 7
    for _ in range(2):  # the second lap starts from what the first one left
        for k in range(7):
            shown[k] = check(part, body(shown[k - 1], k))
    for k in range(7):
        # The lap closes: the keystroke after k, sent with what k's answer left, leaves what
        # it left the lap before. Otherwise replaying it would not be what a page sends.
        assert check(part, body(shown[k], (k + 1) % 7)) == shown[(k + 1) % 7], f"{part}: lap {k}"
        open(f"{work}/{part}-{k}.txt", "w").write(body(shown[k - 1], k))
PY
# A connection per clerk, each sending its lap of keystrokes in turn; $1: which lap, $2: the
# path after /reports/{id} ("" for the static file: the same client, to show what it costs).
replay_lua() {
cat <<LUA
$slurp
local sessions, counter = {}, 0
for line in io.lines("$work/sessions.txt") do table.insert(sessions, line) end
function setup(thread)
  counter = counter + 1
  thread:set("session", sessions[counter])
end
local requests, n = {}, 0
function init(args)
  local report, cookie, csrf = session:match("(%S+) (%S+) (%S+)")
  for k = 0, 6 do
    local body = slurp("$work/$1-" .. k .. ".txt")
    local path = "$2" == "" and "/static/sample-report.json" or "/reports/" .. report .. "$2"
    local method = "$2" == "" and "GET" or "POST"
    requests[k + 1] = wrk.format(method, path, {
      ["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true",
      ["Cookie"] = "nianbao_session=" .. cookie, ["X-CSRF-Token"] = csrf}, method == "POST" and body or nil)
  end
end
request = function()
  n = n % 7 + 1
  return requests[n]
end
LUA
}
replay_lua tables "" >"$work/static-client.lua"
replay_lua tables "/check?part=tables" >"$work/check.lua"
replay_lua texts "/check?part=texts" >"$work/check-text.lua"
# The autosave cannot be replayed: each answer carries the version the next save must name.
cat >"$work/save.lua" <<LUA
$slurp
local sessions, counter = {}, 0
for line in io.lines("$work/sessions.txt") do table.insert(sessions, line) end
function setup(thread)
  counter = counter + 1
  local report, cookie, csrf = sessions[counter]:match("(%S+) (%S+) (%S+)")
  thread:set("report", report)
  thread:set("cookie", cookie)
  thread:set("csrf", csrf)
end
local form = slurp("$work/form.txt")
local version, shown, n = 2, "", 0
request = function()
  n = n + 1
  local body = "version=" .. version .. "&shown=" .. shown .. "&" .. form .. "&appeals.review.pending=" .. (n % 7)
  return wrk.format("POST", "/reports/" .. report, {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true",
    ["Cookie"] = "nianbao_session=" .. cookie, ["X-CSRF-Token"] = csrf}, body)
end
-- What the page keeps from an answer (plain finds: Lua patterns cost the shared cores more).
local function attribute(body, before)
  local at = body:find(before, 1, true)
  if not at then return nil end
  local from = at + #before
  return body:sub(from, body:find('"', from, true) - 1)
end
response = function(status, headers, body)
  version = attribute(body, 'id="version" name="version" value="') or version
  shown = (attribute(body, 'id="shown-tables" name="shown" value="') or "") .. "&shown=" ..
    (attribute(body, 'id="shown-texts" name="shown" value="') or "")
  if status ~= 200 then print("status " .. status) end
end
LUA

run() {
  wrk -t"$conns" -c"$conns" -d"${secs}s" "$@" | tee -a "$work/wrk.log" | awk '/Requests\/sec/ {print $2} /Latency/ {lat=$2} END {print lat}'
}
: >"$work/wrk.log"
# The VM's speed drifts between phases (neighbours share the host), so each request is
# measured right after its own static phase and compared with that one.
echo "wrk -t$conns -c$conns -d${secs}s on http://$addr ($(nproc) cores; server and wrk share them)"
printf '%-40s %10s %10s  %8s  %s\n' "" "req/s" "static" "latency" "ratio"
row() {
  local name=$1 script=$2 url=$3 static this
  # ONLY=text runs only the rows whose name holds "text" (to profile one of them).
  [[ -n ${ONLY:-} && $name != *"$ONLY"* ]] && return
  static=($(run "http://$addr/static/sample-report.json"))
  this=($(run ${script:+-s "$script"} "$url"))
  printf '%-40s %10.0f %10.0f  %8s  %.2fx static\n' "$name" "${this[0]}" "${static[0]}" "${this[1]}" \
    "$(echo "${this[0]} / ${static[0]}" | bc -l)"
}
row "GET static 15 KB, again" "" "http://$addr/static/sample-report.json"
row "GET static, through the replaying client" "$work/static-client.lua" "http://$addr/static/sample-report.json"
row "POST 5 KB refused at once (floor)" "$work/floor.lua" "http://$addr/api/validate"
# Its answers are 422 by design: keep them out of the check for failed requests below.
sed -i '/Non-2xx/d' "$work/wrk.log"
row "POST /api/validate (15 KB report)" "$work/api.lua" "http://$addr/api/validate"
row "POST /reports/{id}/check (typing, table)" "$work/check.lua" "http://$addr/reports/1/check"
row "POST /reports/{id}/check (typing, text)" "$work/check-text.lua" "http://$addr/reports/1/check"
row "POST /reports/{id} (autosave)" "$work/save.lua" "http://$addr/reports/1"
# Every request must have succeeded, on every connection, for the numbers to mean anything.
if grep -q "Non-2xx\|Socket errors" "$work/wrk.log"; then
  grep "Non-2xx\|Socket errors" "$work/wrk.log"
  echo "some requests failed"
  exit 1
fi
