#!/usr/bin/env bash
#   bench/scale_netns.sh - a consortium of N sites as separate hosts: one
#   network namespace per process (the coordinator and each site), each
#   with its own veth pair on one bridge and a private address in
#   10.77.0.0/16, so that every connection crosses a real (virtual) link
#   with its own TCP stack, as between hospitals. Runs an LR study and a
#   summary query and prints what they cost (docs/scale.md).
#
#   Not part of CI: it needs root (ip netns, bridges) and minutes. Run it as
#
#       sudo bench/scale_netns.sh 30                  # 30 sites, 2-of-30 key
#       sudo bench/scale_netns.sh 100 --threshold 51  # after the coordinator's
#                                                     # 64-site cap is lifted
#
#   Options (after N):
#       --threshold T   the key's threshold (default 2)
#       --bits B        the Paillier modulus (default 2048; below that the
#                       key is an insecure test key)
#       --steps S       training steps of the LR study (default 3)
#       --probes K      `cohort study status` requests timed (default 20)
#       --verify-threads V  the coordinator's proof-verification threads
#                       (default: its online CPUs)
#       --trace         record the coordinator's wire traffic (COHORT_WIRE_TRACE)
#                       and print its bytes during the study
#       --keep          keep the working folder (it is printed)
#
#   The binary is $COHORT_BIN, else build/cli/cohort beside this script.
#   Everything it creates (namespaces coh<tag>-c and coh<tag>-s<i>, the
#   bridge coh<tag>br, the veth pairs, the processes, the folder) is
#   removed on exit, however it exits.
#
#   Output: lines "key value" with units in the keys, then the same as one
#   JSON object on the last line.

set -euo pipefail

usage () { sed -n '2,33p' "$0" | sed 's/^#   \{0,1\}//'; exit 2; }

[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac
N=$1; shift
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 2 ] && [ "$N" -le 256 ] || {
    echo "scale_netns: N must be 2..256" >&2; exit 2; }
THRESHOLD=2 BITS=2048 STEPS=3 PROBES=20 TRACE=0 KEEP=0 VERIFY_THREADS=
while [ $# -gt 0 ]; do
    case "$1" in
        --threshold) THRESHOLD=$2; shift 2 ;;
        --bits) BITS=$2; shift 2 ;;
        --steps) STEPS=$2; shift 2 ;;
        --probes) PROBES=$2; shift 2 ;;
        --verify-threads) VERIFY_THREADS=$2; shift 2 ;;
        --trace) TRACE=1; shift ;;
        --keep) KEEP=1; shift ;;
        *) usage ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "scale_netns: needs root (ip netns, bridges)" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")/.." && pwd)
COHORT=${COHORT_BIN:-$HERE/build/cli/cohort}
[ -x "$COHORT" ] || { echo "scale_netns: no cohort binary at $COHORT (build first)" >&2; exit 2; }
COHORT=$(readlink -f "$COHORT")
DATA=$HERE/datasets/breast_cancer_wisconsin.csv
DICT=$HERE/datasets/breast_cancer_wisconsin_dictionary.csv

#   Short names (interface names have at most 15 characters), unique to
#   this run.
TAG=$(printf '%04x' $(( (RANDOM << 1 ^ $$) & 0xffff )))
BR=coh${TAG}br
NS_C=coh${TAG}-c
COORD_IP=10.77.0.1
PORT=7600
WORK=$(mktemp -d /tmp/cohort-netns-XXXXXX)
PIDS=()
NAMESPACES=()

site_ip () { echo "10.77.$(( $1 / 250 + 1 )).$(( $1 % 250 + 1 ))"; }

cleanup () {
    local rc=$?
    set +e
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
    ip link del "$BR" 2>/dev/null
    if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms () { date +%s%3N; }

#   A namespace with lo up and a veth to the bridge at address $2.
add_host () {
    local ns=$1 ip=$2 k=$3
    ip netns add "$ns"
    NAMESPACES+=("$ns")
    ip link add "v${TAG}h$k" type veth peer name "v${TAG}p$k"
    ip link set "v${TAG}p$k" netns "$ns"
    ip link set "v${TAG}h$k" master "$BR" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$ip/16" dev "v${TAG}p$k"
    ip -n "$ns" link set "v${TAG}p$k" up
}

echo "scale_netns: $N sites, $THRESHOLD-of-$N key ($BITS bits), work $WORK" >&2
ip link add "$BR" type bridge
ip link set "$BR" up
#   The host's own address on the bridge: the analyst commands run here.
ip addr add 10.77.255.254/16 dev "$BR"
add_host "$NS_C" "$COORD_IP" 0
for i in $(seq 1 "$N"); do add_host "coh${TAG}-s$i" "$(site_ip "$i")" "$i"; done

#   The consortium: the simulator's (keys, certificates, configs, the data
#   split across the sites), then every endpoint moved to the
#   coordinator's namespace address.
INSECURE=
[ "$BITS" -lt 2048 ] && INSECURE=--insecure-test-key
t0=$(now_ms)
"$COHORT" simulate --prepare-only --data "$DATA" --label malignant --dictionary "$DICT" \
    --sites "$N" --threshold "$THRESHOLD" --bits "$BITS" $INSECURE --steps "$STEPS" \
    --sampling-rate 0.5 --split iid --out "$WORK/c" >&2
KEYGEN_MS=$(( $(now_ms) - t0 ))
C=$WORK/c
OLD=$(sed -n 's/^ *endpoint *= *\(tcp:[^ ]*\).*/\1/p' "$C/coordinator.cfg")
NEW=tcp://$COORD_IP:$PORT
sed -i "s|$OLD|$NEW|" "$C/coordinator.cfg" "$C/analyst.cfg" "$C"/sites/*.cfg
#   The coordinator's metrics (round durations) on its own address; each
#   site grants room for the study and the query.
sed -i "s|^\( *endpoint *= *$NEW.*\)$|\1\n    metrics = $COORD_IP:9464\n    metrics_allow_remote = true|" \
    "$C/coordinator.cfg"
[ -n "$VERIFY_THREADS" ] && sed -i "s|^\( *endpoint *= *$NEW.*\)$|\1\n    verify_threads = $VERIFY_THREADS|" \
    "$C/coordinator.cfg"
sed -i 's/^\( *epsilon = \)2$/\14/' "$C"/sites/*.cfg
mkdir -p "$C/logs"

#   The coordinator in its namespace (ip netns exec execs it: the pid is
#   the coordinator's own).
TRACE_FILE=$C/wire.trace
if [ "$TRACE" = 1 ]; then
    COHORT_WIRE_TRACE=$TRACE_FILE ip netns exec "$NS_C" "$COHORT" coordinator \
        --config "$C/coordinator.cfg" > "$C/logs/coordinator.log" 2>&1 &
else
    ip netns exec "$NS_C" "$COHORT" coordinator --config "$C/coordinator.cfg" \
        > "$C/logs/coordinator.log" 2>&1 &
fi
CPID=$!
PIDS+=("$CPID")
for _ in $(seq 200); do grep -q "listening on" "$C/logs/coordinator.log" && break; sleep 0.1; done
grep -q "listening on" "$C/logs/coordinator.log" || {
    echo "scale_netns: the coordinator did not start:" >&2; tail -5 "$C/logs/coordinator.log" >&2
    exit 1; }

connected () { grep -c "coordinator: site .* connected" "$C/logs/coordinator.log" || true; }
start_site () {
    ip netns exec "coh${TAG}-s$1" "$COHORT" site --config "$C/sites/site-$1.cfg" \
        > "$C/logs/site-$1.log" 2>&1 &
    PIDS+=("$!")
    SITE_PIDS[$1]=$!
}
declare -a SITE_PIDS
#   One site alone: its start-up (key share, tables, data, CURVE
#   handshake across the bridge) until the coordinator has it.
t0=$(now_ms)
start_site 1
until [ "$(connected)" -ge 1 ]; do
    kill -0 "${SITE_PIDS[1]}" 2>/dev/null || { echo "scale_netns: site-1 exited:" >&2
        tail -5 "$C/logs/site-1.log" >&2; exit 1; }
    sleep 0.02
done
SITE_STARTUP_MS=$(( $(now_ms) - t0 ))
SITE_CPU_S=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/${SITE_PIDS[1]}/stat")
SITE_RSS_MB=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/${SITE_PIDS[1]}/status")
#   Then all the others at once, until the coordinator has all of them (or
#   refuses one: the error is printed).
t0=$(now_ms)
for i in $(seq 2 "$N"); do start_site "$i"; done
deadline=$(( $(date +%s) + 60 + 3 * N ))
while [ "$(connected)" -lt "$N" ]; do
    #   A refused hello (above the coordinator's site cap, say) is final.
    if grep -q "refused hello" "$C/logs/coordinator.log" \
    || [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$CPID" 2>/dev/null; then
        echo "scale_netns: $(connected) of $N sites joined; the coordinator says:" >&2
        grep -E "^[EW]:" "$C/logs/coordinator.log" | sed 's/^[EW]: [-0-9]* [:0-9]* //' \
            | sed "s/'site-[0-9]*' (share [0-9]*)/'site-K' (share K)/" | sort | uniq -c \
            | sort -rn | head -5 >&2
        exit 1
    fi
    sleep 0.1
done
ALL_STARTUP_MS=$(( $(now_ms) - t0 ))

cpu_s () { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$CPID/stat"; }
metric () {   # the value of a metric line starting with $1
    curl -s --max-time 5 "http://$COORD_IP:9464/metrics" | awk -v k="$1" 'index($0, k) == 1 { print $2 }'
}
#   The sites' CPU time together (user + system), and the coordinator's
#   traffic so far (with --trace: the bytes of every message it sent or
#   received, before CURVE).
sites_cpu_s () {
    local p total=0
    for p in "${SITE_PIDS[@]}"; do
        total=$(awk -v t="$total" '{ printf "%.2f", t + ($14 + $15) / 100 }' "/proc/$p/stat")
    done
    echo "$total"
}
wire_bytes () {
    if [ "$TRACE" = 1 ]; then
        grep -a -E '^cohort-wire (send|recv) [0-9]+$' "$TRACE_FILE" | awk '{ b += $3 } END { print b + 0 }'
    else
        echo null
    fi
}
A=(--analyst "$C/analyst.cfg")
CPU0=$(cpu_s)
SCPU0=$(sites_cpu_s)
B0=$(wire_bytes)

#   The LR study.
t0=$(now_ms)
ID=$("$COHORT" study launch "$C/study.cfg" "${A[@]}" --wait --timeout 3600)
STUDY_MS=$(( $(now_ms) - t0 ))
CPU1=$(cpu_s)
SCPU1=$(sites_cpu_s)
B1=$(wire_bytes)
"$COHORT" report "$ID" "${A[@]}" > "$C/report.json"
STATUS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['study']['status'])" "$C/report.json")
SUM=$(metric 'cohort_coordinator_round_duration_seconds_sum{kind="train"}')
CNT=$(metric 'cohort_coordinator_round_duration_seconds_count{kind="train"}')
ROUND_MS=$(awk -v s="${SUM:-0}" -v c="${CNT:-0}" 'BEGIN { if (c > 0) printf "%.1f", 1000 * s / c; else print "null" }')

#   `cohort study status`, each a new client process across the bridge.
: > "$C/status.ms"
for _ in $(seq "$PROBES"); do
    t0=$(date +%s%N)
    "$COHORT" study status "$ID" "${A[@]}" > /dev/null
    echo $(( ($(date +%s%N) - t0) / 1000 )) >> "$C/status.ms"
done
STATUS_P50_MS=$(sort -n "$C/status.ms" | awk '{ v[NR] = $1 } END { m = (NR % 2)? v[(NR + 1) / 2]: (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }')

#   A summary query (its quorum the key's threshold).
CPU2=$(cpu_s)
t0=$(now_ms)
"$COHORT" query 'summary(mean_radius, mean_texture)' --dataset data --min-sites "$THRESHOLD" \
    --epsilon 0.5 --json "${A[@]}" > "$C/query.json"
QUERY_MS=$(( $(now_ms) - t0 ))
CPU3=$(cpu_s)
QSTATUS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['job']['status'])" "$C/query.json")

RSS_MB=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$CPID/status")
BYTES=null
[ "$TRACE" = 1 ] && BYTES=$(( B1 - B0 ))
SITES_CPU=$(awk -v a="$SCPU0" -v b="$SCPU1" 'BEGIN { printf "%.2f", b - a }')

out () { printf '%-34s %s\n' "$1" "$2"; }
out sites "$N"
out threshold "$THRESHOLD"
out paillier_bits "$BITS"
out keygen_and_prepare_ms "$KEYGEN_MS"
out site_startup_ms "$SITE_STARTUP_MS"
out site_startup_cpu_s "$SITE_CPU_S"
out site_rss_mb "$SITE_RSS_MB"
out all_sites_startup_ms "$ALL_STARTUP_MS"
out study_status "$STATUS"
out study_ms "$STUDY_MS"
out train_round_ms "$ROUND_MS"
out train_rounds "${CNT:-0}"
out coordinator_cpu_s_study "$(awk -v a="$CPU0" -v b="$CPU1" 'BEGIN { printf "%.2f", b - a }')"
out status_cli_p50_ms "$STATUS_P50_MS"
out query_status "$QSTATUS"
out query_ms "$QUERY_MS"
out coordinator_cpu_s_query "$(awk -v a="$CPU2" -v b="$CPU3" 'BEGIN { printf "%.2f", b - a }')"
out coordinator_cpu_s_total "$CPU3"
out coordinator_rss_mb "$RSS_MB"
out coordinator_wire_bytes_study "$BYTES"
out sites_cpu_s_study "$SITES_CPU"
printf '{"sites":%s,"threshold":%s,"paillier_bits":%s,"keygen_and_prepare_ms":%s,"site_startup_ms":%s,"site_startup_cpu_s":%s,"site_rss_mb":%s,"all_sites_startup_ms":%s,"study_status":"%s","study_ms":%s,"train_round_ms":%s,"train_rounds":%s,"coordinator_cpu_s_study":%s,"status_cli_p50_ms":%s,"query_status":"%s","query_ms":%s,"coordinator_cpu_s_query":%s,"coordinator_cpu_s_total":%s,"coordinator_rss_mb":%s,"coordinator_wire_bytes_study":%s,"sites_cpu_s_study":%s}\n' \
    "$N" "$THRESHOLD" "$BITS" "$KEYGEN_MS" "$SITE_STARTUP_MS" "$SITE_CPU_S" "$SITE_RSS_MB" \
    "$ALL_STARTUP_MS" "$STATUS" "$STUDY_MS" "$ROUND_MS" "${CNT:-0}" \
    "$(awk -v a="$CPU0" -v b="$CPU1" 'BEGIN { printf "%.2f", b - a }')" "$STATUS_P50_MS" \
    "$QSTATUS" "$QUERY_MS" "$(awk -v a="$CPU2" -v b="$CPU3" 'BEGIN { printf "%.2f", b - a }')" \
    "$CPU3" "$RSS_MB" "$BYTES" "$SITES_CPU"
[ "$STATUS" = completed ] && [ "$QSTATUS" = completed ]
