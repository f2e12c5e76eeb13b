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
if ! command -v nginx >/dev/null; then
    if [[ "$(id -u)" == 0 ]]; then
        say "installing nginx (apt-get install -y nginx)"
        apt-get install -y -qq nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }
    else
        die "nginx is not installed and this is not root: apt-get install -y nginx"
    fi
fi
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    # WebSocket: pass the upgrade through, keep idle sessions open.
    map \$http_upgrade \$connection_upgrade {
        default upgrade;
        ''      close;
    }
    upstream fairway {
        server 127.0.0.1:$NODE_A_PORT;
        server 127.0.0.1:$NODE_B_PORT;
    }
    server {
        listen 127.0.0.1:$LB_PORT;
        location / {
            proxy_pass http://fairway;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$host;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }
    }
}
EOF
nginx -c "$WORK/nginx.conf" -p "$WORK" -g "daemon on;" || die "nginx did not start"
say "nginx: ws://127.0.0.1:$LB_PORT/v1/session -> nodes $NODE_A_PORT and $NODE_B_PORT"

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
