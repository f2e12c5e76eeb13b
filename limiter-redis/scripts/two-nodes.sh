#!/usr/bin/env bash
# two-nodes.sh: two `fairway serve` nodes behind nginx on loopback, sharing one Redis, and
# `fairway load` against the balancer. Everything it starts, it stops (also on Ctrl-C or failure).
#
#   limiter-redis/scripts/two-nodes.sh                 # 4 sessions for 20 s, 300 RPM shared by both nodes
#   SESSIONS=8 DURATION=30s RPM=600 limiter-redis/scripts/two-nodes.sh
#
# Ports (loopback only): Redis 6380, nodes 8081 and 8082, nginx 8080 (override with REDIS_PORT,
# NODE_A_PORT, NODE_B_PORT, LB_PORT).
#
# Needs: a JDK >= 21 under /usr/lib/jvm (or JAVA_HOME), curl, and
#   - redis-server: Debian's on the PATH, or else the Linux x86-64 binary inside the embedded-redis jar
#     in ~/.m2 (the limiter-redis tests download it), extracted to the temporary directory;
#   - nginx: Debian's; when it is missing and the script runs as root it installs it
#     (apt-get install -y nginx), otherwise it stops and says so.
# It builds the app (mvn -q -DskipTests install -pl app -am) only when app/target/modules is missing.
set -euo pipefail

NAME=two-nodes
REDIS_PORT="${REDIS_PORT:-6380}"
NODE_A_PORT="${NODE_A_PORT:-8081}"
NODE_B_PORT="${NODE_B_PORT:-8082}"
LB_PORT="${LB_PORT:-8080}"
SESSIONS="${SESSIONS:-4}"
DURATION="${DURATION:-20s}"
RPM="${RPM:-300}"

# shellcheck source=common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/common.sh"

# 1. Redis.
start_redis

# 2. nginx.
start_nginx "$LB_PORT" "$NODE_A_PORT" "$NODE_B_PORT"

# 3. Two nodes sharing the Redis limiter.
start_node node-a "$NODE_A_PORT" 2
start_node node-b "$NODE_B_PORT" 2
for port in "$NODE_A_PORT" "$NODE_B_PORT"; do
    wait_for 60 curl -sf "http://127.0.0.1:$port/health" || die "node on $port did not start: $(cat "$WORK"/node-*.log)"
done
wait_for 10 curl -sf "http://127.0.0.1:$LB_PORT/health" || die "nginx does not reach the nodes: $(cat "$WORK/nginx-error.log")"
say "nodes up: shared limit $RPM requests per minute"

# 4. Load through the balancer.
"$JAVA" -p "$MODULES" -m dev.fairway.app/dev.fairway.app.Main load --no-progress \
    --url "ws://127.0.0.1:$LB_PORT/v1/session" --sessions "$SESSIONS" --duration "$DURATION"

# 5. What each node says about the shared limiter.
for port in "$NODE_A_PORT" "$NODE_B_PORT"; do
    echo "--- node on $port: /status limiter"
    curl -s "http://127.0.0.1:$port/status" | grep -o '"limiter":{[^{]*' || true
    echo
    curl -s "http://127.0.0.1:$port/status" | grep -o '"providerCalls":[0-9]*\|"delivered":[0-9]*\|"failed":[0-9]*' | tr '\n' ' ' || true
    echo
done
