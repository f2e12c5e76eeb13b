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

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
MODULES="$ROOT/app/target/modules"
REDIS_PORT="${REDIS_PORT:-6380}"
NODE_A_PORT="${NODE_A_PORT:-8081}"
NODE_B_PORT="${NODE_B_PORT:-8082}"
LB_PORT="${LB_PORT:-8080}"
SESSIONS="${SESSIONS:-4}"
DURATION="${DURATION:-20s}"
RPM="${RPM:-300}"
WORK="$(mktemp -d /tmp/fairway-two-nodes.XXXXXX)"
PIDS=()

say() { echo "two-nodes: $*" >&2; }
die() { say "$*"; exit 1; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ -f "$WORK/nginx.pid" ]]; then
        kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

find_java() {
    local candidate
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
        candidate="${candidate%/}"
        if [[ -n "$candidate" && -x "$candidate/bin/java" ]] \
            && "$candidate/bin/java" -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then
            echo "$candidate/bin/java"
            return
        fi
    done
    die "no JDK >= 21 found (set JAVA_HOME)"
}

# Waits until a command succeeds, at most $1 seconds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

JAVA="$(find_java)"
if [[ ! -d "$MODULES" ]]; then
    say "building the app (mvn -q -DskipTests install -pl app -am)"
    (cd "$ROOT" && mvn -q -DskipTests install -pl app -am)
fi

# 1. Redis.
REDIS_SERVER="$(command -v redis-server || true)"
if [[ -z "$REDIS_SERVER" ]]; then
    JAR="$(ls ~/.m2/repository/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$JAR" ]] || die "no redis-server on the PATH and no embedded-redis jar in ~/.m2 (run: mvn -q -pl limiter-redis install)"
    BIN="$(unzip -Z1 "$JAR" | grep -E '^redis-server-.*-linux-amd64$' | head -n 1)"
    unzip -q -o "$JAR" "$BIN" -d "$WORK"
    REDIS_SERVER="$WORK/$BIN"
    chmod +x "$REDIS_SERVER"
fi
say "redis: $REDIS_SERVER on 127.0.0.1:$REDIS_PORT"
"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q "Ready to accept connections" "$WORK/redis.log" || die "redis did not start: $(cat "$WORK/redis.log")"

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
start_node() {
    local name="$1" port="$2"
    FAIRWAY_PROVIDER="${FAIRWAY_PROVIDER:-fake}" \
    FAIRWAY_TRANSPORT_WEBSOCKET_PORT="$port" \
    FAIRWAY_LIMITER_STORE=redis \
    FAIRWAY_LIMITER_REDIS_URI="redis://127.0.0.1:$REDIS_PORT" \
    FAIRWAY_LIMITER_REDIS_NODE_ID="$name" \
    FAIRWAY_LIMITER_REDIS_FALLBACK_NODES=2 \
    FAIRWAY_LIMITER_RPM="$RPM" \
        "$JAVA" -p "$MODULES" -m dev.fairway.app/dev.fairway.app.Main serve >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
}
start_node node-a "$NODE_A_PORT"
start_node node-b "$NODE_B_PORT"
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
