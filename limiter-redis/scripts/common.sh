# common.sh: what the multi-node scripts share (sourced, not run): the JDK, the app's module path, a
# temporary directory and the processes to stop on exit, a throw-away redis-server, `fairway serve`
# nodes on the shared Redis limiter, and nginx in front of them. Sourced by limiter-redis/scripts/*.sh
# and session-redis/scripts/two-nodes-resume.sh.
# The sourcing script sets NAME (its prefix in messages) and REDIS_PORT first; when it also sets KEEP
# (a directory), the logs of the temporary directory (*.log) are copied there on exit.

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
MODULES="$ROOT/app/target/modules"
WORK="$(mktemp -d "/tmp/fairway-$NAME.XXXXXX")"
PIDS=()

say() { echo "$NAME: $*" >&2; }
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
    if [[ -n "${KEEP:-}" ]]; then
        mkdir -p "$KEEP"
        cp "$WORK"/*.log "$KEEP"/ 2>/dev/null || true
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

# Starts a redis-server on 127.0.0.1:$REDIS_PORT that keeps nothing on disk.
start_redis() {
    local JAR BIN REDIS_SERVER
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
}

# Starts `fairway serve` as node $1 on port $2, on the shared Redis limiter at $RPM requests per
# minute, assuming $3 nodes while Redis is unreachable; further arguments go to `serve` (-D key=value
# ...); JAVA_OPTS, when set, goes to java. Its log is $WORK/$1.log. NODE_PID is then the node's JVM (java
# itself, not a shell).
start_node() {
    local name="$1" port="$2" fallback="$3"
    shift 3
    # shellcheck disable=SC2086  # JAVA_OPTS holds several options on purpose
    FAIRWAY_PROVIDER="${FAIRWAY_PROVIDER:-fake}" \
    FAIRWAY_TRANSPORT_WEBSOCKET_PORT="$port" \
    FAIRWAY_LIMITER_STORE=redis \
    FAIRWAY_LIMITER_REDIS_URI="redis://127.0.0.1:$REDIS_PORT" \
    FAIRWAY_LIMITER_REDIS_NODE_ID="$name" \
    FAIRWAY_LIMITER_REDIS_FALLBACK_NODES="$fallback" \
    FAIRWAY_LIMITER_RPM="$RPM" \
        "$JAVA" ${JAVA_OPTS:-} -p "$MODULES" -m dev.fairway.app/dev.fairway.app.Main serve "$@" >"$WORK/$name.log" 2>&1 &
    NODE_PID=$!
    PIDS+=("$NODE_PID")
}

# Starts nginx on 127.0.0.1:$1 in front of the nodes on the ports $2 ..., passing WebSocket upgrades
# through; installs Debian's nginx first when it is missing and this is root. A handshake that fails on
# one node (connection refused or reset, connect timeout, 502 or 503) is tried on the next one, and a
# node that failed is left out for 5 s: sessions that reconnect after a node died land on a live one.
# Its error log is $WORK/nginx-error.log.
start_nginx() {
    local lb_port="$1" port servers=""
    shift
    for port in "$@"; do
        servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
    done
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
events { worker_connections 4096; }
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
$servers    }
    server {
        listen 127.0.0.1:$lb_port;
        location / {
            proxy_pass http://fairway;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$host;
            # A dead or refusing node: try the next one (a handshake is a GET, safe to send again).
            proxy_connect_timeout 2s;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }
    }
}
EOF
    nginx -c "$WORK/nginx.conf" -p "$WORK" -g "daemon on;" || die "nginx did not start"
    say "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'): ws://127.0.0.1:$lb_port/v1/session -> nodes on $*"
}
