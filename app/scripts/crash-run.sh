#!/usr/bin/env bash
# Crash test of durable sessions (issue 17): `fairway serve` with the SQLite session store and `fairway load
# --reconnect` in two JVMs; the server is killed with SIGKILL mid-run and started again on the same port and data
# directory; the load report must show 0 finals lost, and how long the sessions were without service.
#
#   app/scripts/crash-run.sh [-D key=value ...]      extra keys go to the server (both starts)
#
# SESSIONS (20), DURATION (40s), KILL_AFTER (15, seconds after the load tool starts), DOWN_FOR (2, seconds between
# the kill and the new start), PORT (18082), HEAP (1g, for each JVM) and LOAD_ARGS (more `fairway load` options,
# e.g. "--partials-per-final 2") can be set. LIMITS=open (default) lifts the rate
# limits as overload-run.sh does; LIMITS=default keeps the configured ones.
# Output (under target/crash/default/, or target/crash/$NAME/ when NAME is set): load.out (the load report), load.json, serve.out (both server runs), data/ (the journal).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$root/target/crash/${NAME:-default}
data=$out/data
rm -rf "$out"
mkdir -p "$data"
port=${PORT:-18082}
limits=()
if [ "${LIMITS:-open}" = open ]; then
  limits=(-D fairway.limiter.rpm=1000000 -D fairway.limiter.tpm=1000000000
          -D fairway.provider.fake.rpm=0 -D fairway.provider.fake.tpm=0)
fi
cd "$root"
echo "crash-run: ./fairway load --url ws://127.0.0.1:$port/v1/session --reconnect --sessions ${SESSIONS:-20}" \
  "--duration ${DURATION:-40s} ${LOAD_ARGS:-}; serve -D fairway.session.store=sqlite ${limits[*]} $*"
./fairway --version > /dev/null   # builds once, before the clock starts

server=
serve() {
  # ./fairway execs java: $! is the server's JVM, which SIGKILL then kills without any shutdown hook.
  JAVA_OPTS=-Xmx${HEAP:-1g} ./fairway serve -D fairway.transport.websocket.port="$port" \
    -D fairway.session.store=sqlite -D fairway.session.data-dir="$data" "${limits[@]}" "$@" >> "$out/serve.out" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health" && return 0
    sleep 0.25
  done
  echo "crash-run: the server did not come up (see $out/serve.out)" >&2
  return 1
}
trap 'kill $server 2>/dev/null || true' EXIT

echo "== first start" >> "$out/serve.out"
serve "$@"
echo "crash-run: $(date -u +%T) server $server up on port $port (sqlite journal in $data)"
JAVA_OPTS=-Xmx${HEAP:-1g} ./fairway load --url "ws://127.0.0.1:$port/v1/session" --reconnect \
  --sessions "${SESSIONS:-20}" --duration "${DURATION:-40s}" --no-progress --json "$out/load.json" ${LOAD_ARGS:-} \
  > "$out/load.out" 2>&1 &
load=$!
sleep "${KILL_AFTER:-15}"
kill -KILL "$server"
wait "$server" 2>/dev/null || true
echo "crash-run: $(date -u +%T) server $server killed with SIGKILL"
sleep "${DOWN_FOR:-2}"
echo "== second start (after SIGKILL)" >> "$out/serve.out"
serve "$@"
echo "crash-run: $(date -u +%T) server $server up again on the same port and data directory"
status=0
wait "$load" || status=$?
echo "crash-run: $(date -u +%T) load tool done (exit $status)"
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
sed -n '/^all /,$p' "$out/load.out"
exit $status
