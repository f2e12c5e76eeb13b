#!/usr/bin/env bash
# scrape-run.sh: a real Prometheus scrapes a real `fairway serve` under load, and the series an operator needs
# are queried back through Prometheus's HTTP API.
#
#   ops/prometheus/scrape-run.sh
#
# 1. Installs Debian's prometheus when it is missing (as root: apt-get update, then apt-get install).
# 2. Starts `./fairway serve` (the launcher: the module path, as in production) with
#    OTEL_METRICS_EXPORTER=prometheus on 127.0.0.1:$METRICS_PORT, the fake provider injecting 2% of 429s and
#    the memory session store.
# 3. Starts a throw-away prometheus (storage in a temporary directory, web on 127.0.0.1:$PROM_PORT) that
#    scrapes it every second and loads ops/prometheus/alerts.yml.
# 4. Runs `./fairway load --url ...` with $SESSIONS sessions for $DURATION.
# 5. Queries a series per question (latency histogram, queue length, requests used vs limit, Jain, 429s, ...)
#    with /api/v1/query, prints them, checks that the alert rules loaded and evaluate, stops the server with
#    SIGTERM, and exits non-zero when a series is missing, a rule is unhealthy, the load lost a final, or the
#    server did not stop cleanly. (With 2% of 429s injected, FairwayProviderRateLimited is pending at the end.)
#
# PORT (18180), METRICS_PORT (19464), PROM_PORT (19090), SESSIONS (6) and DURATION (20s) can be set.
# Logs are kept in target/scrape-run/ (serve.log, prometheus.log, load.out).
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
PORT=${PORT:-18180}
METRICS_PORT=${METRICS_PORT:-19464}
PROM_PORT=${PROM_PORT:-19090}
SESSIONS=${SESSIONS:-6}
DURATION=${DURATION:-20s}
OUT="$ROOT/target/scrape-run"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fairway-scrape.XXXXXX")"
PIDS=()

say() { echo "scrape-run: $*" >&2; }
die() { say "$*"; exit 1; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# Waits until a command succeeds, at most $1 seconds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    [[ "$(id -u)" == 0 ]] || die "prometheus is not installed and this is not root: apt-get install -y prometheus"
    say "installing Debian's prometheus (apt-get update; apt-get install -y prometheus)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed (to read Prometheus's JSON answers)"
say "$(prometheus --version 2>&1 | head -n 1)"

mkdir -p "$OUT"
cd "$ROOT"
./fairway --version >/dev/null # builds when the launcher finds the build missing or stale, before the clock starts

say "promtool: checking and unit-testing the alert rules"
promtool check rules ops/prometheus/alerts.yml >/dev/null
(cd ops/prometheus && promtool test rules alerts-test.yml >/dev/null)

OTEL_METRICS_EXPORTER=prometheus OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1 OTEL_EXPORTER_PROMETHEUS_PORT="$METRICS_PORT" \
    ./fairway serve -D fairway.transport.websocket.port="$PORT" -D fairway.provider=fake \
    -D fairway.provider.fake.fault.rate-429=0.02 -D fairway.session.store=memory >"$OUT/serve.log" 2>&1 &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_for 60 curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" || die "serve did not start: $(cat "$OUT/serve.log")"
say "serve: ws://127.0.0.1:$PORT/v1/session, metrics http://127.0.0.1:$METRICS_PORT/metrics"

cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $ROOT/ops/prometheus/alerts.yml
scrape_configs:
  - job_name: fairway
    static_configs:
      - targets: ['127.0.0.1:$METRICS_PORT']
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$OUT/prometheus.log" 2>&1 &
PIDS+=($!)
API="http://127.0.0.1:$PROM_PORT/api/v1"
wait_for 30 curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" || die "prometheus did not start: $(cat "$OUT/prometheus.log")"
say "prometheus: http://127.0.0.1:$PROM_PORT, scraping every 1 s"

say "load: $SESSIONS sessions for $DURATION"
load_status=0
./fairway load --url "ws://127.0.0.1:$PORT/v1/session" --sessions "$SESSIONS" --duration "$DURATION" --no-progress \
    >"$OUT/load.out" 2>&1 || load_status=$?
grep -E '^(all|fairness|finals|server) ' "$OUT/load.out" >&2 || cat "$OUT/load.out" >&2
# Two more scrapes, so that the last figures are in.
sleep 2

# Each line: what it answers | PromQL. Every query must return at least one series, and no NaN. Histograms are
# read whole (since the server started): the run is shorter than a useful rate() window.
QUERIES=$(cat <<'EOF'
translations delivered (duration histogram count)|sum by (translation_kind) (fairway_translation_duration_milliseconds_count{outcome="delivered"})
latency p95 ms (duration histogram)|histogram_quantile(0.95, sum by (le, translation_kind) (fairway_translation_duration_milliseconds_bucket{outcome="delivered"}))
where the time went, p95 ms per phase|histogram_quantile(0.95, sum by (le, phase) (fairway_translation_phase_duration_milliseconds_bucket))
time to first translation p95 ms|histogram_quantile(0.95, sum by (le) (fairway_session_first_translation_duration_milliseconds_bucket))
queue length, most seen|max by (translation_kind) (max_over_time(fairway_queue_length[2m]))
provider calls in flight, most seen|max_over_time(fairway_provider_calls_active[2m])
concurrency limit|fairway_concurrency_limit
requests used in the last minute|fairway_limiter_requests_used
requests per minute limit|fairway_limiter_requests_limit
tokens used vs limit|fairway_limiter_tokens_used / fairway_limiter_tokens_limit
sessions open, most seen|max_over_time(fairway_sessions_active[2m])
sessions by fair-share state, most seen|max by (state) (max_over_time(fairway_fairshare_sessions[2m]))
Jain's index, lowest seen|min_over_time(fairway_fairshare_jain[2m])
429s from the provider|sum by (provider_name) (fairway_provider_rate_limited_total)
provider calls|sum by (provider_name) (fairway_provider_calls_total)
finals failed by reason|sum by (reason) (fairway_translation_failures_total{translation_kind="final"})
partials dropped by reason|sum by (reason) (fairway_partials_dropped_total)
session store up|fairway_session_store_up
EOF
)

missing=0
printf '%-45s %s\n' "question" "series = value" >&2
while IFS='|' read -r question query; do
    answer=$(curl -sf -G "$API/query" --data-urlencode "query=$query") || die "query failed: $query"
    result=$(python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
def name(m):
    labels = ",".join(k + "=" + v for k, v in sorted(m.items()) if k not in ("__name__", "job", "instance", "otel_scope_name"))
    return "{" + labels + "}" if labels else "{}"
r = [s for s in r if s["value"][1] != "NaN"]
print("; ".join(name(s["metric"]) + " = " + str(round(float(s["value"][1]), 3)) for s in r))
' <<<"$answer")
    if [[ -z "$result" ]]; then
        printf '%-45s MISSING  (%s)\n' "$question" "$query" >&2
        missing=$((missing + 1))
    else
        printf '%-45s %s\n' "$question" "$result" >&2
    fi
done <<<"$QUERIES"

rules=$(curl -sf "$API/rules" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
bad = [r["name"] + ": " + r.get("lastError", "") for r in rules if r.get("health") != "ok"]
firing = sorted({r["name"] + " (" + r["state"] + ")" for r in rules if r.get("state") not in (None, "inactive")})
print(len(rules), len(bad), "; ".join(bad) or "-", ", ".join(firing) or "none", sep="|")')
IFS='|' read -r rule_count bad_count bad_rules active <<<"$rules"
say "alert rules: $rule_count loaded, $bad_count unhealthy ($bad_rules); pending or firing: $active"

kill -TERM "$SERVE_PID"
serve_status=0
wait "$SERVE_PID" || serve_status=$?
# The JVM ends with 143 (SIGTERM) once its shutdown hook has let the server stop.
if [[ "$serve_status" == 143 ]] && grep -q "stopping" "$OUT/serve.log"; then
    serve_status=0
fi

((missing == 0)) || die "$missing series missing"
((bad_count == 0)) || die "unhealthy alert rules: $bad_rules"
((load_status == 0)) || die "the load failed (exit $load_status): $OUT/load.out"
((serve_status == 0)) || die "serve did not stop cleanly on SIGTERM (exit $serve_status): $OUT/serve.log"
say "ok: every series answered, $rule_count alert rules healthy"
