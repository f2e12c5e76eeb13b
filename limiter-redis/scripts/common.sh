# common.sh: what the limiter-redis scripts share (sourced, not run): the JDK, the app's module
# path, a temporary directory and the processes to stop on exit, and a throw-away redis-server.
# The sourcing script sets NAME (its prefix in messages) and REDIS_PORT first.

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
# minute, assuming $3 nodes while Redis is unreachable; its log is $WORK/$1.log.
start_node() {
    local name="$1" port="$2"
    FAIRWAY_PROVIDER="${FAIRWAY_PROVIDER:-fake}" \
    FAIRWAY_TRANSPORT_WEBSOCKET_PORT="$port" \
    FAIRWAY_LIMITER_STORE=redis \
    FAIRWAY_LIMITER_REDIS_URI="redis://127.0.0.1:$REDIS_PORT" \
    FAIRWAY_LIMITER_REDIS_NODE_ID="$name" \
    FAIRWAY_LIMITER_REDIS_FALLBACK_NODES="$3" \
    FAIRWAY_LIMITER_RPM="$RPM" \
        "$JAVA" -p "$MODULES" -m dev.fairway.app/dev.fairway.app.Main serve >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
}
