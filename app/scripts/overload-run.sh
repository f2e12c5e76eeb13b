#!/usr/bin/env bash
# Runs `fairway serve` and `fairway load` in two JVMs (one JVM cannot hold 10,000 sessions' 20,000 sockets on a
# machine whose descriptor limit is 20,000) and samples the server's /status every 5 s while the load runs.
#
#   app/scripts/overload-run.sh NAME SESSIONS [-D key=value ...]      extra keys go to the server
#
# LIMITS=open (default) lifts the rate limits (1,000,000 RPM, the fake provider's own limits off), as in the
# overload issue; LIMITS=default keeps the configured ones. RAMP (15s), DURATION (30s), INTERVAL (1s, between
# two partials of a session), PORT (18081) and HEAP (6g, for each JVM) can be set too.
# Output: target/overload/NAME.out (the load report), NAME.watch (the status samples), NAME.json, NAME.serve.out.
set -euo pipefail
name=${1:?usage: overload-run.sh NAME SESSIONS [-D key=value ...]}
sessions=${2:?usage: overload-run.sh NAME SESSIONS [-D key=value ...]}
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$root/target/overload
mkdir -p "$out"
port=${PORT:-18081}
limits=()
if [ "${LIMITS:-open}" = open ]; then
  limits=(-D fairway.limiter.rpm=1000000 -D fairway.limiter.tpm=1000000000
          -D fairway.provider.fake.rpm=0 -D fairway.provider.fake.tpm=0)
fi
cd "$root"
./fairway --version > /dev/null   # builds once, before the clock starts
JAVA_OPTS=-Xmx${HEAP:-6g} ./fairway serve -D fairway.transport.websocket.port="$port" "${limits[@]}" "$@" \
  > "$out/$name.serve.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
  sleep 0.5
done
(
  while kill -0 $server 2>/dev/null; do
    curl -s -m 3 "http://127.0.0.1:$port/status" | python3 -c '
import json, sys, time
d = json.load(sys.stdin); o = d["overload"]; w = d["websocket"]; q = d["queue"]
print(time.strftime("%H:%M:%S"), "sat", o["saturated"], "rec", o["recovering"],
      "lag", o["schedulingLag"]["value"], "qw95", o["queueWaitP95"]["value"],
      "heap", o["heapAfterGcPercent"]["value"], "open", w["connectionsOpen"],
      "refused", w["upgradesRefused"].get("saturated", 0), "queued", q["queueLength"],
      "inflight", q["activeRequests"])' 2>/dev/null || true
    sleep 5
  done
) > "$out/$name.watch" &
status=0
JAVA_OPTS=-Xmx${HEAP:-6g} ./fairway load --url "ws://127.0.0.1:$port/v1/session" --sessions "$sessions" \
  --partial-interval "${INTERVAL:-1s}" --ramp-up "${RAMP:-15s}" --duration "${DURATION:-30s}" --no-progress \
  --json "$out/$name.json" > "$out/$name.out" 2>&1 || status=$?
kill $server 2>/dev/null || true
wait $server 2>/dev/null || true
cat "$out/$name.watch"
grep -A12 '^all' "$out/$name.out" || cat "$out/$name.out"
exit $status
