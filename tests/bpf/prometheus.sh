#!/bin/sh
# --listen scraped by a real Prometheus (Debian's prometheus, started here
# on loopback with a generated config and data directory): exact call
# counts through Prometheus's HTTP API, histogram_quantile() within the
# stated bucket error of the tool's own p99, the summary's p99 against
# --json; then misbehaving clients (junk, methods, huge headers, 100
# concurrent scrapes, a slowloris, a client that never reads) leave the
# tracer up and its counts exact; SIGTERM ends it cleanly. Root only.
set -u
. tests/bpf/common.shlib
require_root prometheus
require prometheus "$TRACE" "$TARGET"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/common/check.shlib
PY=/usr/bin/python3
. tests/bpf/prometheus.shlib
need_tools prometheus

# --- a tracee of known counts, traced with --listen on a port of the kernel's
target_start 3
listen_start trace -p $tgt --json "$TMP/final.json"
case $addr in
127.0.0.1:[1-9]*) ok "--listen 127.0.0.1:0 serves on $addr" ;;
*) bad "no address: $(cat "$TMP/trace.err")"; finish prometheus ;;
esac
echo go >&4
until grep -q done "$TMP/target.out" 2>/dev/null || ! kill -0 $tgt 2>/dev/null; do
	sleep 0.01
done

# --- Prometheus, scraping every second
PPORT=$(free_port)
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: autocue
    static_configs:
      - targets: ['$addr']
EOF
promtool check config "$TMP/prometheus.yml" >/dev/null 2>&1 &&
	ok "promtool check config: the generated configuration" ||
	bad "promtool check config: $(promtool check config "$TMP/prometheus.yml" 2>&1 | tail -2)"
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prom.log" 2>&1 4>&- &
prom=$!

# exact counts of 3 rounds of one thread (latency_target's comment)
P='job="autocue",pid="'$tgt'",comm="latency_target"'
all=1
for pc in work_1us:300 work_10us:150 work_100us:60 work_1ms:15 work_10ms:3 \
	  outer:30 inner:90 recurse:60 round:3; do
	probe=${pc%:*} n=${pc#*:}
	if ! wait_for "autocue_calls_total{$P,probe=\"$probe\"}" $n; then
		bad "autocue_calls_total of $probe: $(query "autocue_calls_total{$P,probe=\"$probe\"}"), not $n"
		all=0
	fi
	warm=$(query "autocue_call_duration_seconds_count{$P,probe=\"$probe\"} + ignoring() autocue_cold_calls_total{$P,probe=\"$probe\"}")
	[ "$warm" = "$n" ] || { bad "$probe: histogram _count + cold = $warm, not $n"; all=0; }
done
[ $all = 1 ] && ok "through Prometheus: every probe's calls exact, histogram _count + cold calls = calls"
[ "$(query "up{job=\"autocue\"}")" = 1 ] && ok "the target is up" ||
	bad "up: $(query "up{job=\"autocue\"}")"

# histogram_quantile over the exported buckets against the tool's own p99
# (the summary's, from the full-precision histogram): within one exported
# bucket, the ratio it states, plus the summary's own 2^-7
for probe in work_1ms work_100us; do
	hq=$(query "histogram_quantile(0.99, autocue_call_duration_seconds_bucket{$P,probe=\"$probe\"})")
	sq=$(query "autocue_call_duration_quantiles_seconds{$P,probe=\"$probe\",quantile=\"0.99\"}")
	err=$(query "autocue_bucket_error_ratio{job=\"autocue\"}")
	if $PY -c "import sys; h, s, e = map(float, sys.argv[1:]); sys.exit(not (s > 0 and abs(h - s) <= s * (e + 2**-7)))" "$hq" "$sq" "$err" 2>/dev/null; then
		ok "histogram_quantile(0.99) of $probe $hq s, the summary's p99 $sq s: within $err + 2^-7"
	else
		bad "histogram_quantile(0.99) of $probe: $hq against the summary's $sq (error $err)"
	fi
done
sq_1ms=$(query "autocue_call_duration_quantiles_seconds{$P,probe=\"work_1ms\",quantile=\"0.99\"}")

# --- the endpoint itself: formats, paths, methods -----------------------------
url=http://$addr
curl -s "$url/metrics" >"$TMP/text.prom"
promtool check metrics <"$TMP/text.prom" >"$TMP/lint" 2>&1 &&
	ok "promtool check metrics: the text format as served, no lint problem" ||
	bad "promtool check metrics: $(head -3 "$TMP/lint")"
ct=$(curl -s -o "$TMP/om.txt" -w '%{content_type}' \
	-H 'Accept: application/openmetrics-text; version=1.0.0' "$url/metrics")
[ "$(tail -1 "$TMP/om.txt")" = "# EOF" ] && case $ct in application/openmetrics-text*) true ;; *) false ;; esac &&
	$PY -c 'import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as p
list(p(open(sys.argv[1]).read()))' "$TMP/om.txt" &&
	ok "Accept: OpenMetrics gets OpenMetrics ($ct), which prometheus_client parses" ||
	bad "OpenMetrics: $ct, $(tail -1 "$TMP/om.txt")"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "$url/")" = 200 ] && [ "$(code "$url/nope")" = 404 ] &&
	[ "$(code -X POST -d x=1 "$url/metrics")" = 405 ] &&
	[ "$(code -X DELETE "$url/")" = 405 ] && [ "$(code -I "$url/metrics")" = 200 ] &&
	[ "$(code "$url/metrics?x=1")" = 200 ] && [ "$(code "$url/metrics/../x")" = 404 ] &&
	ok "GET / and /metrics 200, other paths 404, other methods 405, HEAD 200" ||
	bad "status codes: / $(code "$url/") /nope $(code "$url/nope") POST $(code -X POST "$url/metrics")"

# --- misbehaving clients -------------------------------------------------------
host=${addr%:*} port=${addr##*:}
$PY - "$host" "$port" >"$TMP/abuse" 2>&1 <<'EOF'
import socket, sys, threading, time
host, port = sys.argv[1], int(sys.argv[2])
def conn():
    s = socket.create_connection((host, port), timeout=10)
    return s
# junk bytes, a request line of 100 kB, headers past the memory limit
for junk in (b"\x00\xff\x01garbage\r\n\r\n", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
             b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 200000 + b"\r\n\r\n",
             b"GET /metrics HTTP/9.9\r\n\r\n", b"\r\n" * 1000):
    s = conn()
    try:
        s.sendall(junk)
        s.recv(100)
    except OSError:
        pass
    s.close()
# slowloris: 20 connections sending a header byte a second
slow = [conn() for _ in range(20)]
for s in slow:
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
# clients that ask and never read (small receive buffers)
lazy = []
for _ in range(10):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    lazy.append(s)
time.sleep(3)
for s in slow:
    try:
        s.sendall(b"X")
    except OSError:
        pass
print("abuse done")
EOF
grep -q 'abuse done' "$TMP/abuse" && ok "junk, oversized requests, 20 slowloris and 10 non-reading clients" ||
	bad "abusive clients: $(tail -2 "$TMP/abuse")"
seq 100 | xargs -P 100 -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 "$url/metrics" >"$TMP/burst"
n200=$(grep -c '^200$' "$TMP/burst")
[ "$n200" -eq 100 ] && ok "100 concurrent scrapes: all 200" ||
	bad "100 concurrent scrapes: $n200 answered 200 ($(sort "$TMP/burst" | uniq -c | tr '\n' ' '))"
kill -0 $trc 2>/dev/null && ok "the tracer is still up" || bad "the tracer died"
sleep 2
all=1
for pc in work_1us:300 work_1ms:15 inner:90 recurse:60; do
	probe=${pc%:*} n=${pc#*:}
	v=$(query "autocue_calls_total{$P,probe=\"$probe\"}")
	[ "$v" = "$n" ] || { bad "after the abuse: $probe $v, not $n"; all=0; }
done
[ "$(query "up{job=\"autocue\"}")" = 1 ] || { bad "Prometheus lost the target"; all=0; }
[ $all = 1 ] && ok "after the abuse: Prometheus still scrapes, counts still exact"

# --- examples/: the configuration, the alert rules (with their unit test),
# and every query of the Grafana dashboard, against this Prometheus
(cd examples && promtool check config prometheus.yml && promtool check rules autocue-alerts.yml &&
	promtool test rules autocue-alerts.test.yml) >"$TMP/ex" 2>&1 &&
	ok "examples: promtool check config, check rules, test rules (the p99 alert fires)" ||
	bad "examples: $(tail -3 "$TMP/ex")"
if $PY - "$PPORT" examples/grafana-autocue.json >"$TMP/graf" 2>&1 <<'EOF'
import json, sys, urllib.parse, urllib.request
port, path = sys.argv[1:3]
dash = json.load(open(path))
assert dash["panels"] and any(p["type"] == "heatmap" for p in dash["panels"])
for p in dash["panels"]:
    for t in p["targets"]:
        q = (t["expr"].replace("$__rate_interval", "1m").replace("$instance", ".*")
             .replace("$probe", "work_1ms"))
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
        r = json.load(urllib.request.urlopen(url))
        assert r["status"] == "success", (q, r)
        assert r["data"]["result"] or "lost" in q, ("no data", q)
print("queries ok")
EOF
then
	ok "examples/grafana-autocue.json: every panel's query runs in Prometheus and has data"
else
	bad "Grafana dashboard: $(tail -3 "$TMP/graf")"
fi

# --- SIGTERM: a clean end, the --json asked for, no table without -i
kill -TERM $trc
wait $trc
rc=$?
jp99=$($PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
print([s for s in r["stats"] if s["name"] == "work_1ms"][0]["p99_time_ms"] / 1e3)' "$TMP/final.json" 2>/dev/null)
[ $rc -eq 0 ] && [ ! -s "$TMP/trace.out" ] &&
	$PY -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(abs(a - b) > 0.01 * b)" "$sq_1ms" "$jp99" 2>/dev/null &&
	ok "SIGTERM: exit 0, no table, --json written; its p99 $jp99 s and the summary's $sq_1ms s within 1%" ||
	bad "SIGTERM: exit $rc, stdout $(head -c 100 "$TMP/trace.out"), json p99 $jp99, summary $sq_1ms"
exec 4>&-
wait $tgt

# --- refusals, before any tracing
expect_error "--listen on a port in use" "cannot listen on 127.0.0.1:$PPORT: Address already in use" \
	$TRACE --listen 127.0.0.1:$PPORT -- $TARGET -r 1
expect_error "--listen with a bad address" "invalid --listen" $TRACE --listen 127.0.0.1:99999 -- $TARGET -r 1
expect_quoted "--listen with control bytes" 'invalid --listen: \\x1b' $TRACE --listen "$(printf '\033[31m'):80" -- $TARGET -r 1
expect_error "--buckets finer than --precision" "raise --precision" $TRACE --listen 0 --buckets 5 --precision 4 -- $TARGET -r 1
expect_error "--buckets malformed" "invalid --buckets" $TRACE --listen 0 --buckets 3,1s,1us -- $TARGET -r 1
kill $prom
wait $prom 2>/dev/null
finish prometheus
