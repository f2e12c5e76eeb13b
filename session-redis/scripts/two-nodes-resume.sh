#!/usr/bin/env bash
# two-nodes-resume.sh: durable sessions across nodes (issue 17). Starts, on loopback, a throw-away Redis,
# two `fairway serve` nodes A and B (fake provider) that share it as their session store
# (fairway.session.store=redis) and as their rate limiter (fairway.limiter.store=redis), and nginx in front
# of them; runs `fairway load --reconnect` (protocol version 2) through nginx, kills node A's JVM with
# SIGKILL KILL_AFTER seconds after the load tool started, and lets the run finish: A's sessions reconnect
# through nginx, land on B, and resume from the journal in Redis (B replays the outcomes they missed and
# translates again the finals A had accepted and not answered). Prints how many sessions each node held
# just before the kill, the Redis memory the journals took then, the load report (finals lost, time
# without service) and what B says about resumes. Exits 0 only when the load tool reports 0 finals lost
# (and exited 0); everything it starts, it stops (also on Ctrl-C or failure).
#
#   session-redis/scripts/two-nodes-resume.sh                        # 20 sessions, 40 s, kill A after 15 s
#   SESSIONS=50 DURATION=60s KILL_AFTER=20 session-redis/scripts/two-nodes-resume.sh
#   LOAD_ARGS="--partials-per-final 4" session-redis/scripts/two-nodes-resume.sh -D fairway.provider.fake.latency.base=1s
#
# Arguments (-D key=value ...) go to both nodes' `serve`. Environment: SESSIONS (20), DURATION (40s),
# KILL_AFTER (15, seconds after the load tool started), LOAD_ARGS (more `fairway load` options), HEAP (1g,
# for each JVM), LIMITS=open (default: rate limits lifted as in app/scripts/crash-run.sh; RPM is then
# 1000000) or LIMITS=default (RPM, default 300, shared through Redis; the other limits as configured).
# Ports (loopback only): REDIS_PORT 6382, NODE_A_PORT 8181, NODE_B_PORT 8182, LB_PORT 8180.
# Output, kept (the next run of the same name replaces it): target/two-nodes-resume/default/, or
# target/two-nodes-resume/$OUT_NAME/ when OUT_NAME is set: load.out (the report), load.json,
# status-before-kill-{a,b}.json, status-end-b.json, node-a.log, node-b.log, nginx-error.log, redis.log.
#
# Needs: a JDK >= 21 under /usr/lib/jvm (or JAVA_HOME), curl, python3 (reads JSON and talks RESP to
# Redis), unzip, and
#   - redis-server: Debian's on the PATH, or else the Linux x86-64 binary inside the embedded-redis jar in
#     ~/.m2 (the limiter-redis and session-redis tests download it), extracted to a temporary directory;
#   - nginx: Debian's; when it is missing and the script runs as root it installs it (apt-get install -y
#     nginx), otherwise it stops and says so;
#   - the app's module path, app/target/modules (mvn -B -q -DskipTests package -pl app -am); only when it is
#     missing does the shared limiter-redis/scripts/common.sh build it (mvn install).
set -euo pipefail

NAME=two-nodes-resume
REDIS_PORT="${REDIS_PORT:-6382}"
NODE_A_PORT="${NODE_A_PORT:-8181}"
NODE_B_PORT="${NODE_B_PORT:-8182}"
LB_PORT="${LB_PORT:-8180}"
SESSIONS="${SESSIONS:-20}"
DURATION="${DURATION:-40s}"
KILL_AFTER="${KILL_AFTER:-15}"
LIMITS="${LIMITS:-open}"
limits=()
if [[ "$LIMITS" == open ]]; then
    RPM=1000000
    limits=(-D fairway.limiter.tpm=1000000000 -D fairway.provider.fake.rpm=0 -D fairway.provider.fake.tpm=0)
else
    RPM="${RPM:-300}"
fi

SCRIPT_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
KEEP="$SCRIPT_ROOT/target/two-nodes-resume/${OUT_NAME:-default}"
rm -rf "$KEEP"
mkdir -p "$KEEP"

# shellcheck source=../../limiter-redis/scripts/common.sh
source "$SCRIPT_ROOT/limiter-redis/scripts/common.sh"
export JAVA_OPTS="-Xmx${HEAP:-1g}"

# Prints chosen numbers of a node's /status (JSON on stdin), found at any depth: KEY=VALUE ...
status_numbers() {
    python3 -c '
import json, sys
want = sys.argv[1:]
found = {}
def walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in want and k not in found and not isinstance(v, (dict, list)):
                found[k] = v
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
try:
    walk(json.load(sys.stdin))
except ValueError:
    print("(no /status)")
    sys.exit(0)
print(" ".join("%s=%s" % (k, found.get(k, "?")) for k in want))
' "$@"
}

# The Redis memory the session journals take now: the sessions in <prefix>:seen, their keys' MEMORY USAGE,
# the outcomes and unanswered finals they hold, and used_memory against $1 (used_memory before the load).
redis_session_memory() {
    python3 - "$REDIS_PORT" "$1" <<'PY'
import socket, sys
port, baseline = int(sys.argv[1]), int(sys.argv[2])
sock = socket.create_connection(("127.0.0.1", port), timeout=5)
rf = sock.makefile("rb")
def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return reply()
def reply():
    line = rf.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+": return rest.decode()
    if kind == b"-": raise RuntimeError(rest.decode())
    if kind == b":": return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0: return None
        data = rf.read(n + 2)[:-2]
        return data
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [reply() for _ in range(n)]
    raise RuntimeError("unexpected reply %r" % line)
prefix = "fairway:session"
sessions = cmd("ZCARD", prefix + ":seen")
keys, cursor = [], b"0"
while True:
    cursor, batch = cmd("SCAN", cursor, "MATCH", prefix + ":*", "COUNT", 1000)
    keys += batch
    if cursor == b"0":
        break
per_kind = {"s": 0, "a": 0, "o": 0}
outcomes = accepted = 0
for key in keys:
    parts = key.decode().split(":")
    kind = parts[2] if len(parts) > 3 else None
    if kind not in per_kind:
        continue
    per_kind[kind] += cmd("MEMORY", "USAGE", key, "SAMPLES", 0) or 0
    if kind == "o":
        outcomes += cmd("ZCARD", key)
    elif kind == "a":
        accepted += cmd("HLEN", key)
info = cmd("INFO", "memory").decode()
used = int(next(l.split(":")[1] for l in info.splitlines() if l.startswith("used_memory:")))
total = sum(per_kind.values())
n = max(sessions, 1)
print("redis: %d sessions in %s:seen, %d session keys; MEMORY USAGE of their keys %d B (%d B a session:"
      " record %d, unanswered finals %d, outcomes %d); they hold %d outcomes (%.1f a session) and %d unanswered"
      " finals; used_memory %d B, %+d B since before the load (%d B a session, the limiter's keys included)"
      % (sessions, prefix, len(keys), total, total // n, per_kind["s"] // n, per_kind["a"] // n,
         per_kind["o"] // n, outcomes, outcomes / n, accepted, used, used - baseline, (used - baseline) // n))
PY
}

# Redis's used_memory (INFO memory), in bytes.
redis_used_memory() {
    python3 - "$REDIS_PORT" <<'PY'
import socket, sys
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
rf = sock.makefile("rb")
sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
n = int(rf.readline()[1:])
info = rf.read(n).decode()
print(next(l.split(":")[1] for l in info.splitlines() if l.startswith("used_memory:")))
PY
}

# 1. Redis, nginx.
start_redis
start_nginx "$LB_PORT" "$NODE_A_PORT" "$NODE_B_PORT"

# 2. Two nodes sharing Redis for the session journals and the limiter.
node_args=(-D fairway.session.store=redis -D "fairway.session.redis.uri=redis://127.0.0.1:$REDIS_PORT"
           "${limits[@]}" "$@")
# One after the other, so that the two JVMs' start-ups do not compete for the CPU. (On a busy small machine a
# node can still miss the limiter's 1 s connect timeout and serve from its local share for a few seconds: the
# log says "not reachable at start". It does not matter here, the limits being lifted.)
start_node node-a "$NODE_A_PORT" 2 "${node_args[@]}"
NODE_A="$NODE_PID"
wait_for 90 curl -sf "http://127.0.0.1:$NODE_A_PORT/health" || die "node A did not start: $(cat "$WORK/node-a.log")"
start_node node-b "$NODE_B_PORT" 2 "${node_args[@]}"
NODE_B="$NODE_PID"
wait_for 90 curl -sf "http://127.0.0.1:$NODE_B_PORT/health" || die "node B did not start: $(cat "$WORK/node-b.log")"
wait_for 10 curl -sf "http://127.0.0.1:$LB_PORT/health" || die "nginx does not reach the nodes: $(cat "$WORK/nginx-error.log")"
[[ "$(readlink -f "/proc/$NODE_A/exe")" == */java ]] || die "node A's pid $NODE_A is not a JVM: $(readlink -f "/proc/$NODE_A/exe")"
say "node A: pid $NODE_A on $NODE_A_PORT, node B: pid $NODE_B on $NODE_B_PORT; session store and limiter: redis on $REDIS_PORT"
baseline="$(redis_used_memory)"

# 3. Load through nginx; SIGKILL node A after KILL_AFTER seconds.
load_cmd=("$JAVA" $JAVA_OPTS -p "$MODULES" -m dev.fairway.app/dev.fairway.app.Main load --no-progress
          --url "ws://127.0.0.1:$LB_PORT/v1/session" --reconnect --sessions "$SESSIONS" --duration "$DURATION"
          --json "$KEEP/load.json")
# shellcheck disable=SC2206  # LOAD_ARGS holds several options on purpose
load_cmd+=(${LOAD_ARGS:-})
say "$(date -u +%T) fairway load --url ws://127.0.0.1:$LB_PORT/v1/session --reconnect --sessions $SESSIONS --duration $DURATION ${LOAD_ARGS:-}"
"${load_cmd[@]}" >"$KEEP/load.out" 2>&1 &
LOAD=$!
sleep "$KILL_AFTER"
curl -s "http://127.0.0.1:$NODE_A_PORT/status" >"$KEEP/status-before-kill-a.json" || true
curl -s "http://127.0.0.1:$NODE_B_PORT/status" >"$KEEP/status-before-kill-b.json" || true
redis_session_memory "$baseline" || say "(could not read Redis memory)"
kill -KILL "$NODE_A"
wait "$NODE_A" 2>/dev/null || true   # no "Killed" line from the shell
say "$(date -u +%T) node A (pid $NODE_A) killed with SIGKILL; just before, /status said:"
echo "  node A: $(status_numbers sessionsOpen connectionsOpen finalsAccepted translationsSent <"$KEEP/status-before-kill-a.json")"
echo "  node B: $(status_numbers sessionsOpen connectionsOpen finalsAccepted translationsSent <"$KEEP/status-before-kill-b.json")"

status=0
wait "$LOAD" || status=$?
say "$(date -u +%T) load tool done (exit $status)"
curl -s "http://127.0.0.1:$NODE_B_PORT/status" >"$KEEP/status-end-b.json" || true
echo "  node B at the end: $(status_numbers sessionsOpen sessionsResumed sessionsResumedFromStore sessionsDetached \
    unknown_or_expired epoch_changed finalsAccepted <"$KEEP/status-end-b.json")"
sed -n '/^all /,$p' "$KEEP/load.out"
python3 - "$KEEP/load.json" <<'PY' || true
import json, statistics, sys
rows = [r for s in json.load(open(sys.argv[1]))["scenarios"] for r in s["perSession"] if r.get("reconnects", 0) > 0]
if rows:
    gaps = sorted(r["withoutServiceMs"] for r in rows)
    print("without service, over the %d sessions that reconnected: min/median/max %.0f/%.0f/%.0f ms"
          % (len(gaps), gaps[0], statistics.median(gaps), gaps[-1]))
else:
    print("without service: no session reconnected")
PY

lost="$(python3 -c 'import json,sys; print(sum(s["finalsLost"] for s in json.load(open(sys.argv[1]))["scenarios"]))' \
    "$KEEP/load.json" 2>/dev/null || echo unknown)"
if [[ "$lost" != 0 || "$status" != 0 ]]; then
    say "FAILED: finals lost $lost, load tool exit $status (output in $KEEP)"
    exit 1
fi
say "0 finals lost (output in $KEEP)"
