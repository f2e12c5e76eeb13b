#!/usr/bin/env bash
# three-nodes.sh: three `fairway serve` nodes on loopback sharing one Redis limiter, and one
# `fairway load` against each node at the same time, so that the shared request limit binds and
# every node's finals and partials can be compared. Everything it starts, it stops (also on Ctrl-C
# or failure).
#
#   limiter-redis/scripts/three-nodes.sh                    # 6 sessions per node for 60 s, 600 RPM shared
#   SESSIONS=4 DURATION=30s RPM=300 limiter-redis/scripts/three-nodes.sh
#
# Ports (loopback only): Redis 6381, nodes 8091, 8092 and 8093 (override with REDIS_PORT and
# NODE_PORTS="a b c"). Needs a JDK >= 21 under /usr/lib/jvm (or JAVA_HOME), curl, and a
# redis-server (Debian's on the PATH, or the binary inside the embedded-redis jar in ~/.m2). It
# builds the app (mvn -q -DskipTests install -pl app -am) only when app/target/modules is missing.
set -euo pipefail

NAME=three-nodes
REDIS_PORT="${REDIS_PORT:-6381}"
read -r -a NODE_PORTS <<<"${NODE_PORTS:-8091 8092 8093}"
SESSIONS="${SESSIONS:-6}"
DURATION="${DURATION:-60s}"
RPM="${RPM:-600}"

# shellcheck source=common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/common.sh"

start_redis
for i in "${!NODE_PORTS[@]}"; do
    start_node "node-$((i + 1))" "${NODE_PORTS[$i]}" "${#NODE_PORTS[@]}"
done
for port in "${NODE_PORTS[@]}"; do
    wait_for 60 curl -sf "http://127.0.0.1:$port/health" || die "node on $port did not start: $(cat "$WORK"/node-*.log)"
done
say "${#NODE_PORTS[@]} nodes up: shared limit $RPM requests per minute; $SESSIONS sessions per node for $DURATION"

LOADS=()
for i in "${!NODE_PORTS[@]}"; do
    "$JAVA" -p "$MODULES" -m dev.fairway.app/dev.fairway.app.Main load --no-progress --sessions "$SESSIONS" \
        --duration "$DURATION" --url "ws://127.0.0.1:${NODE_PORTS[$i]}/v1/session" >"$WORK/load-$((i + 1)).log" 2>&1 &
    LOADS+=($!)
done
status=0
for i in "${!LOADS[@]}"; do
    wait "${LOADS[$i]}" || status=1
done
for i in "${!NODE_PORTS[@]}"; do
    echo "--- node-$((i + 1)) (port ${NODE_PORTS[$i]})"
    grep -E '^(session|all|finals|partials|fairness|fairway load)' "$WORK/load-$((i + 1)).log" || cat "$WORK/load-$((i + 1)).log"
    curl -s "http://127.0.0.1:${NODE_PORTS[$i]}/status" | grep -o '"requestsLastMinute":[0-9]*' || true
done
exit "$status"
