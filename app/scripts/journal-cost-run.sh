#!/usr/bin/env bash
# Cost of the session journal (issue 17): for each store, `fairway serve` and `fairway load` in two JVMs, and the
# client-side final p95 beside the server's CPU time spent during the load (utime + stime from /proc/PID/stat,
# read once the server is up and again when the load tool is done, so JVM start-up is left out).
#
#   app/scripts/journal-cost-run.sh [NAME ...]      default: none memory sqlite sqlite-gc5ms
#
#   none          no store, protocol version 1 (`fairway load` without --reconnect)
#   memory        fairway.session.store=memory, `fairway load --reconnect` (version 2)
#   sqlite        fairway.session.store=sqlite, each final and outcome committed on its own (sync)
#   sqlite-gc5ms  fairway.session.store=sqlite, fairway.session.group-commit=5ms
#   redis         fairway.session.store=redis on a throw-away redis-server (127.0.0.1:$REDIS_PORT, default 6383, no
#                 persistence), started as limiter-redis/scripts/common.sh does (Debian's redis-server, or the
#                 binary inside the embedded-redis jar in ~/.m2) only when redis is among the settings; the last
#                 column is that redis-server's CPU during the load (the server's column leaves it out)
#
# SESSIONS (100), DURATION (30s), PORT (18083), HEAP (1g, for each JVM) can be set; the rate limits are lifted as in
# overload-run.sh, and the scheduling-lag admission signal is off (fairway.overload.scheduling-lag=0): on a small
# machine a JVM that has just started turns sessions away at the door, and each store must serve all of them.
# Output: target/journal-cost/NAME.out (the load report), NAME.json, NAME.serve.out.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$root/target/journal-cost
mkdir -p "$out"
port=${PORT:-18083}
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(none memory sqlite sqlite-gc5ms)
limits=(-D fairway.limiter.rpm=1000000 -D fairway.limiter.tpm=1000000000
        -D fairway.provider.fake.rpm=0 -D fairway.provider.fake.tpm=0 -D fairway.overload.scheduling-lag=0)
tck=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$tck" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$1/stat"; }
cd "$root"
./fairway --version > /dev/null   # builds once, before the clock starts
server=
trap 'kill $server 2>/dev/null || true' EXIT
redis_pid=
if [[ " ${names[*]} " == *" redis "* ]]; then
  # start_redis and its clean-up (the redis-server and its temporary directory go on exit).
  NAME=journal-cost REDIS_PORT=${REDIS_PORT:-6383}
  source "$root/limiter-redis/scripts/common.sh"
  trap 'kill $server 2>/dev/null || true; cleanup' EXIT
  start_redis
  redis_pid=${PIDS[-1]}
fi
printf '%-13s %-20s %-14s %14s %10s %12s %14s\n' store "final p50/p95/p99" "partial p95" "server CPU ms" "finals" "lost" \
  "redis CPU ms"
for name in "${names[@]}"; do
  store=() reconnect=()
  case $name in
    none) ;;
    memory) store=(-D fairway.session.store=memory); reconnect=(--reconnect) ;;
    sqlite) store=(-D fairway.session.store=sqlite); reconnect=(--reconnect) ;;
    sqlite-gc5ms) store=(-D fairway.session.store=sqlite -D fairway.session.group-commit=5ms); reconnect=(--reconnect) ;;
    redis) store=(-D fairway.session.store=redis -D fairway.session.redis.uri=redis://127.0.0.1:$REDIS_PORT)
           reconnect=(--reconnect) ;;
    *) echo "journal-cost-run: unknown store setting $name" >&2; exit 2 ;;
  esac
  rm -rf "$out/$name.data"
  JAVA_OPTS=-Xmx${HEAP:-1g} ./fairway serve -D fairway.transport.websocket.port="$port" \
    -D fairway.session.data-dir="$out/$name.data" "${store[@]}" "${limits[@]}" > "$out/$name.serve.out" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
    sleep 0.25
  done
  before=$(cpu_ms $server)
  redis_before=0
  [ -z "$redis_pid" ] || redis_before=$(cpu_ms $redis_pid)
  status=0
  JAVA_OPTS=-Xmx${HEAP:-1g} ./fairway load --url "ws://127.0.0.1:$port/v1/session" "${reconnect[@]}" \
    --sessions "${SESSIONS:-100}" --duration "${DURATION:-30s}" --no-progress --json "$out/$name.json" \
    > "$out/$name.out" 2>&1 || status=$?
  after=$(cpu_ms $server)
  redis_cpu=-
  [ "$name" != redis ] || redis_cpu=$(( $(cpu_ms $redis_pid) - redis_before ))
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
  python3 - "$out/$name.json" "$name" $((after - before)) $status "$redis_cpu" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
f, p = s["finalLatencyMs"], s["partialLatencyMs"]
print("%-13s %-20s %-14s %14s %10s %12s %14s" % (sys.argv[2], "%.0f/%.0f/%.0f" % (f["p50"], f["p95"], f["p99"]),
      "%.0f" % p.get("p95", 0), sys.argv[3], "%d/%d" % (s["finalsTranslated"], s["finalsSent"]),
      "%d%s" % (s["finalsLost"], "" if sys.argv[4] == "0" else " (exit %s)" % sys.argv[4]), sys.argv[5]))
PY
done
