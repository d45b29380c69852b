#!/bin/sh
# Native histograms (issue 12): a real Prometheus 2.42 started here with
# --enable-feature=native-histograms scrapes --listen, asks for the
# protobuf exposition and stores autocue_call_duration_seconds as native
# histograms (no classic _bucket series): histogram_count() + cold calls
# equals the exact calls of a known target, and histogram_quantile(0.99)
# of each probe agrees with the tool's own --json p99 within the stated
# error (autocue_bucket_error_ratio, 2^(2^-S) - 1 + 2^-S, plus the JSON's
# own 2^-(S+1)). Loopback, ports of the kernel's. Root only.
set -u
. tests/bpf/common.shlib
require_root prometheus_native
require prometheus_native "$TRACE" "$TARGET"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/common/check.shlib
PY=/usr/bin/python3
. tests/bpf/prometheus.shlib
need_tools prometheus_native

# --- 10 rounds of latency_target, traced by PID
target_start 10
listen_start trace -p $tgt --json "$TMP/final.json"
echo go >&4
until grep -q done "$TMP/target.out" 2>/dev/null || ! kill -0 $tgt 2>/dev/null; do
	sleep 0.01
done

# --- what Prometheus asks for and gets
PPORT=$(free_port)
cat >"$TMP/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: autocue
    static_configs:
      - targets: ['$addr']
EOF2
prometheus --enable-feature=native-histograms --config.file="$TMP/prometheus.yml" \
	--storage.tsdb.path="$TMP/data" --web.listen-address="127.0.0.1:$PPORT" \
	>"$TMP/prom.log" 2>&1 4>&- &
prom=$!
P='job="autocue",pid="'$tgt'",comm="latency_target"'
if wait_for "histogram_count(autocue_call_duration_seconds{$P,probe=\"round\"}) + ignoring() autocue_cold_calls_total{$P,probe=\"round\"}" 10; then
	ok "Prometheus --enable-feature=native-histograms stores native histograms"
else
	bad "no native histogram: $(tail -3 "$TMP/prom.log")"
fi
[ "$(query "count(autocue_call_duration_seconds_bucket)")" = none ] &&
	ok "no classic _bucket series beside them" ||
	bad "classic buckets too: $(query "count(autocue_call_duration_seconds_bucket)")"
ct=$(curl -s -o "$TMP/pb" -w '%{content_type}' -H 'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;q=0.3' "http://$addr/metrics")
case $ct in
"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited") ok "Accept: protobuf gets protobuf ($(wc -c <"$TMP/pb") bytes)" ;;
*) bad "protobuf content type: $ct" ;;
esac

# exact counts of 10 rounds (latency_target's comment): _count + cold = calls
all=1
for pc in work_1us:1000 work_10us:500 work_100us:200 work_1ms:50 outer:100 inner:300 recurse:200 round:10; do
	probe=${pc%:*} n=${pc#*:}
	got=$(query "histogram_count(autocue_call_duration_seconds{$P,probe=\"$probe\"}) + ignoring() autocue_cold_calls_total{$P,probe=\"$probe\"}")
	calls=$(query "autocue_calls_total{$P,probe=\"$probe\"}")
	[ "$got" = "$n" ] && [ "$calls" = "$n" ] || { bad "$probe: histogram_count + cold $got, calls $calls, not $n"; all=0; }
done
[ $all = 1 ] && ok "histogram_count() + cold calls = calls, exact, for every probe"
err=$(query "autocue_bucket_error_ratio{job=\"autocue\"}")
for probe in work_10us work_100us work_1ms inner; do
	eval "hq_$probe=\$(query \"histogram_quantile(0.99, autocue_call_duration_seconds{\$P,probe=\\\"$probe\\\"})\")"
done

# --- the tool's own p99, from --json at the end
kill -TERM $trc
wait $trc || bad "SIGTERM: exit $?"
for probe in work_10us work_100us work_1ms inner; do
	eval "hq=\$hq_$probe"
	jp=$($PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
print([s for s in r["stats"] if s["name"] == sys.argv[2]][0]["p99_time_ms"] / 1e3)' "$TMP/final.json" "$probe" 2>/dev/null)
	if $PY -c "import sys; h, j, e = map(float, sys.argv[1:]); sys.exit(not (j > 0 and abs(h - j) <= j * (e + 2**-7)))" "$hq" "$jp" "$err" 2>/dev/null; then
		ok "histogram_quantile(0.99) of native $probe $hq s, --json p99 $jp s: within $err + 2^-7"
	else
		bad "histogram_quantile(0.99) of native $probe: $hq against --json's $jp (error $err)"
	fi
done
exec 4>&-
wait $tgt
kill $prom
wait $prom
finish prometheus_native
