#!/usr/bin/env bash
# shellcheck disable=SC2317  # scenario functions are called by name
# The fault suite (test/fault/README.md): three PostgreSQL 15 nodes in network namespaces of their
# own, HAProxy with etc/haproxy.cfg in a fourth, a writer inserting numbered rows through HAProxy
# and a sampler asking every probe /primary every 100 ms; each scenario injects one fault at a
# random phase of the daemons' 1 s monitor tick and measures what a client saw.
# Usage (as root): test/fault/fault_suite.sh [--stack pgwarden|classic|both] [--scenarios LIST]
#                                            [--build-dir DIR] [--keep]
#   --stack      pgwarden: pgwardend + pgwarden-probe; classic: repmgrd + socat with a shell probe
#                (psql per check), both with repmgr's promote/follow; both (default): one, then the other
#   --scenarios  comma-separated numbers (1..10, 11 = 10 with a witness, 12 and 13 planned
#                switchovers), "fast" (1,3,4,12: CI), "switchover" (12,13) or "all" (default)
#   --build-dir  where pgwardend, pgwarden, pgwarden-probe, fault_writer, fault_sampler were built
#                (default ./build); nothing is built here
#   --keep       keep the working directory (logs of every scenario) also when all went well
# Exit status: 0 when every pgwarden scenario lost no acknowledged row and never had two nodes
# answering 200 at one instant; 1 otherwise (the classic stack's results are reported, not judged).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib-demo.sh
source "$repo/scripts/lib-demo.sh"
LOG_PREFIX=fault-suite

usage() { sed -n '7,17s/^# \{0,1\}//p' "$0"; }

stacks=(pgwarden classic) scenarios=all build_dir=$repo/build keep=0
while (($#)); do
    case $1 in
        --stack) [[ ${2:-} =~ ^(pgwarden|classic|both)$ ]] || { usage >&2; exit 2; }
                 [[ $2 == both ]] || stacks=("$2"); shift 2 ;;
        --scenarios) scenarios=${2:?--scenarios takes a list}; shift 2 ;;
        --build-dir) build_dir=${2:?--build-dir takes a directory}; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "fault-suite: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
case $scenarios in
    all) scenarios=1,2,3,4,5,6,7,8,9,10,11,12,13 ;;
    fast) scenarios=1,3,4,12 ;;
    switchover) scenarios=12,13 ;;
esac
IFS=, read -r -a chosen <<<"$scenarios"
for s in "${chosen[@]}"; do [[ $s =~ ^([1-9]|1[0-3])$ ]] || die "no scenario '$s' (1..13)"; done

((EUID == 0)) || die "run as root (namespaces, nftables; the servers run as postgres)"
for tool in ip nft haproxy setpriv ssh ssh-keygen /usr/sbin/sshd; do command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup --tests installs it)"; done
[[ " ${stacks[*]} " != *" classic "* ]] || command -v socat >/dev/null || die "socat is missing (scripts/setup --tests installs it)"
for f in daemon/pgwardend cli/pgwarden probe/pgwarden-probe test/fault/fault_writer test/fault/fault_sampler; do
    [[ -x $build_dir/$f ]] || die "$build_dir/$f is missing (build with tests: scripts/setup --tests)"
done
[[ -x $PGBIN/repmgr && -x $PGBIN/repmgrd ]] || die "the real repmgr 5.3 is missing (postgresql-15-repmgr)"

# On tmpfs where /dev/shm is one: each scenario copies the golden cluster, and on ext4 most of the
# system time of that went to finding new inodes among the recently deleted ones.
scratch=/var/tmp
[[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs && -w /dev/shm ]] && scratch=/dev/shm
work=$(mktemp -d "$scratch/pgwarden-fault.XXXXXX")
chmod 755 "$work"
run=$work/run          # the live cluster of the scenario running now
results=$work/results  # one tab-separated line per scenario and stack
mkdir -p "$work/bin" "$run/log"
for f in daemon/pgwardend cli/pgwarden probe/pgwarden-probe test/fault/fault_writer test/fault/fault_sampler; do
    install -m 755 "$build_dir/$f" "$work/bin/"
done
chown -R postgres:postgres "$work"
: >"$results"

# shellcheck source=test/fault/lib-fault.sh
source "$repo/test/fault/lib-fault.sh"

cleanup() {
    local rc=$?
    set +e  # the teardown goes on whatever fails in it
    [[ -d $run ]] && stop_stack >/dev/null 2>&1
    remove_network
    if ((keep || rc != 0)); then say "kept $work (every scenario's logs under $work/scenario-*)"; else rm -rf -- "$work"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# --- the scenarios: setup (before the daemons start) and the fault --------------------------
declare -A title=(
    [1]="kill -9 of the primary's postmaster"
    [2]="clean stop of the primary"
    [3]="the old primary starts again after the failover"
    [4]="the primary cut off from both standbys, reachable by HAProxy"
    [5]="one standby cut off"
    [6]="25% packet loss under the primary for 60 s"
    [7]="the winning standby's daemon killed mid-failover"
    [8]="promote_command fails on the best candidate"
    [9]="the primary's postmaster frozen (SIGSTOP)"
    [10]="two nodes, no witness, split in half"
    [11]="two nodes and a witness, the primary cut off"
    [12]="switchover to node2, then back to node1 with --siblings-follow"
    [13]="switchover to node2 and back, both with --siblings-follow"
)
# 8 lasts past primary_notification_timeout (60 s), when the other standbys elect again.
declare -A seconds=([1]=35 [2]=35 [3]=50 [4]=40 [5]=30 [6]=80 [7]=50 [8]=90 [9]=40 [10]=40 [11]=40
                    [12]=75 [13]=75)
# The switchovers reach other nodes over SSH (repmgr always, pgwarden for --siblings-follow), and
# must end with node1 the primary again.
declare -A ssh_for=([12]=1 [13]=1)
declare -A expect_final=([12]=node1 [13]=node1)
declare -A nodes_of=([10]="node1 node2" [11]="node1 node2")
declare -A extra_conf

fault_1() { kill -KILL "$(postmaster_pid node1)"; }
fault_2() { pg_ctl_in node1 -m fast -w -t 60 stop >/dev/null; }
fault_3() {
    kill -KILL "$(postmaster_pid node1)"
    sleep 20
    say "  starting node1 again, as it was"
    start_pg node1
}
fault_4() { cut node1 node2 node3; }
fault_5() { cut node3 node1 node2; }
fault_6() { lossy node1 25; sleep 60; heal; }
winner_chosen() { grep -q "this node is the winner" "$run/log/daemon-node2.log"; }
fault_7() {
    kill -KILL "$(postmaster_pid node1)"
    wait_until 30 "node2's daemon to win the election" winner_chosen || { say "  node2 never won"; return 0; }
    kill -KILL "$(cat "$run/daemon-node2.pid")"
    say "  node2's daemon killed as it began promoting; restarted 5 s later (systemd's RestartSec)"
    sleep 5
    start_daemon "$stack" node2
}
setup_8() { extra_conf[node2]="promote_command='/bin/false'"; }
fault_8() { kill -KILL "$(postmaster_pid node1)"; }
fault_9() { kill -STOP "$(postmaster_pid node1)"; }
fault_10() { cut node1 node2; }
# switchover_to NODE [OPTIONS...]: the stack's own CLI on NODE, as an operator runs it.
switchover_to() {
    local n=$1 cli=$work/bin/pgwarden rc=0 t0; shift
    [[ $stack == classic ]] && cli=$PGBIN/repmgr
    t0=$(now_ms)
    in_ns "$n" runuser -u postgres -- timeout 240 "$cli" -f "$run/$n.repmgr.conf" standby switchover "$@" \
        >>"$run/log/switchover-$n.log" 2>&1 || rc=$?
    say "  standby switchover to $n $*: exit $rc after $(($(now_ms) - t0)) ms"
}
fault_12() { switchover_to node2; sleep 10; switchover_to node1 --siblings-follow; }
fault_13() { switchover_to node2 --siblings-follow; sleep 10; switchover_to node1 --siblings-follow; }
fault_11() { cut node1 node2 node3; }

# Two data nodes: node3 leaves the metadata before the daemons start.
before_daemons_10() {
    in_ns node1 runuser -u postgres -- "$work/bin/pgwarden" -f "$run/node1.repmgr.conf" standby unregister --node-id 3 \
        >>"$run/log/setup.log" 2>&1 || die "standby unregister of node3 failed"
}
# ... and for 11 comes back as a witness: a server of its own, registered with repmgr's CLI (the
# metadata is the same for both stacks).
before_daemons_11() {
    before_daemons_10
    rm -rf -- "$(data_of node3)"
    (cd / && runuser -u postgres -- "$PGBIN/initdb" -D "$(data_of node3)" -A trust -U postgres -E UTF8 --locale=C \
        --no-sync >>"$run/log/setup.log" 2>&1) || die "initdb of the witness failed"
    grep -v '^synchronous_standby_names' "$(data_of node1)/postgresql.conf" >"$(data_of node3)/postgresql.conf"
    cp "$(data_of node1)/pg_hba.conf" "$(data_of node3)/pg_hba.conf"
    chown postgres:postgres "$(data_of node3)"/*.conf
    write_repmgr_conf node3 "$stack"
    write_pgwarden_ini node3
    start_pg node3
    in_ns node3 runuser -u postgres -- "$PGBIN/repmgr" -f "$run/node3.repmgr.conf" witness register -h "${addr[node1]}" \
        >>"$run/log/setup.log" 2>&1 || die "witness register failed; see $run/log/setup.log"
    witness_node=node3
}

# --- measuring --------------------------------------------------------------------------------
node_at() {  # node_at ADDRESS: node1..3, or "-"
    local n
    for n in node1 node2 node3; do [[ ${addr[$n]} == "$1" ]] && { echo "$n"; return; }; done
    echo -
}

# evaluate SCENARIO FAULT_MS: one results line.
evaluate() {
    local scenario=$1 fault_ms=$2 final final_addr show_rc=- lost=- registered=-
    # The final primary: where the last acknowledged write went if it still takes writes (not in
    # recovery, not fenced read-only), else the one node whose probe answered 200 last.
    final_addr=$(awk '$4 == "ok" { a = $3 } END { print a }' "$run/writes")
    final=$(node_at "$final_addr")
    [[ $final == - ]] || sql_is "$final" "SELECT NOT pg_is_in_recovery() AND current_setting('default_transaction_read_only') = 'off'" t ||
        final=-
    if [[ $final == - ]]; then
        final=$(awk 'END { n = 0; for (i = 2; i <= NF; i++) if ($i == "200") { n++; at = i - 1 }
                          print n == 1 ? "node" at : "-" }' "$run/samples")
    fi
    local checked=$final
    if [[ $final == - ]]; then  # no writable primary at the end: are the rows at least on a standby?
        local n most=-1 count
        for n in node1 node2 node3; do
            count=$(sql "$n" "SELECT count(*) FROM fault_rows") || continue
            ((count > most)) && { most=$count; checked=$n; }
        done
        final="none (rows read on $checked)"
    fi
    if [[ $checked != - ]]; then
        sql "$checked" "SELECT id FROM fault_rows" >"$run/final-rows" || : >"$run/final-rows"
        lost=$(awk 'NR == FNR { have[$1] = 1; next } $4 == "ok" && !($2 in have) { n++ } END { print n + 0 }' \
            "$run/final-rows" "$run/writes")
        registered=$(sql "$checked" "SELECT node_name FROM repmgr.nodes WHERE type = 'primary' AND active" | tr '\n' ' ') ||
            registered="? (unreachable)"
        local cli=$work/bin/pgwarden
        [[ $stack == classic ]] && cli=$PGBIN/repmgr
        show_rc=0
        in_ns "$checked" runuser -u postgres -- "$cli" -f "$run/$checked.repmgr.conf" cluster show >"$run/cluster-show" 2>&1 ||
            show_rc=$?
    fi
    # The longest time without an acknowledged write that ends (or is still open) after the fault.
    local outage
    outage=$(awk -v f="$fault_ms" -v end="$((seconds[$scenario] * 1000))" '
        $4 == "ok" { if ($1 > f && $1 - last > worst) worst = $1 - last; last = $1 }
        END { open = end - last; if (open > worst) worst = open
              printf "%.1f%s", worst / 1000, (open > 1000 ? " (not back)" : "") }' "$run/writes")
    local acked two200 acks503
    acked=$(awk '$4 == "ok"' "$run/writes" | wc -l)
    two200=$(awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i == "200") n++; if (n > 1) c++ } END { print c + 0 }' "$run/samples")
    # Acknowledged writes on a node whose probe answered 503 (not: did not answer) at that instant.
    acks503=$(awk -v a1="${addr[node1]}" -v a2="${addr[node2]}" -v a3="${addr[node3]}" '
        NR == FNR { code[int($1 / 100)] = $2 " " $3 " " $4; next }
        $4 == "ok" { k = int($1 / 100); if (!(k in code)) next; split(code[k], c, " ")
                     col = $3 == a1 ? 1 : $3 == a2 ? 2 : $3 == a3 ? 3 : 0
                     if (col && c[col] == "503") n++ }
        END { print n + 0 }' "$run/samples" "$run/writes")
    local verdict=ok
    [[ $lost == 0 && $two200 == 0 ]] || verdict=FAIL
    [[ -z ${expect_final[$scenario]:-} || ($final == "${expect_final[$scenario]}" && $show_rc == 0) ]] || verdict=FAIL
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stack" "$scenario" "${title[$scenario]}" "$outage" "$acked" \
        "$lost" "$two200" "$acks503" "$final" "${registered% } (rc $show_rc)" "$verdict" | tee -a "$results" |
        awk -F'\t' '{ printf "fault-suite:   down %s s, %s acked, %s lost, %s instants with two 200s, %s acks from a node answering 503, final %s, registered %s: %s\n", $4, $5, $6, $7, $8, $9, $10, $11 }'
}

run_scenario() {  # run_scenario STACK N
    stack=$1
    local n=$2 node
    say "[$stack] scenario $n: ${title[$n]}"
    fresh_cluster
    extra_conf=() witness_node="" with_ssh=${ssh_for[$n]:-}
    declare -F "setup_$n" >/dev/null && "setup_$n"
    # shellcheck disable=SC2206  # a list of words
    local nodes=(${nodes_of[$n]:-node1 node2 node3})
    before_daemons=""
    declare -F "before_daemons_$n" >/dev/null && before_daemons="before_daemons_$n"
    start_stack "$stack" "${nodes[@]}"
    start_clients "${seconds[$n]}"
    local start_ms fault_ms
    start_ms=$(now_ms)
    # 5 s of steady writes, then the fault at a random phase of the 1 s monitor tick.
    sleep "5.$(printf '%03d' $((RANDOM % 1000)))"
    fault_ms=$(($(now_ms) - start_ms))
    "fault_$n"
    wait_until $((seconds[$n] + 20)) "the writer and the sampler to finish" clients_done ||
        die "the clients did not finish"
    evaluate "$n" "$fault_ms"
    stop_stack
    for node in node1 node2 node3; do cp "$run/$node.repmgr.conf" "$run/log/" 2>/dev/null || true; done
    mkdir -p "$work/scenario-$stack-$n"
    cp -a "$run/log" "$run/writes" "$run/samples" "$work/scenario-$stack-$n/" 2>/dev/null || true
    if [[ -f $run/cluster-show ]]; then cp "$run/cluster-show" "$work/scenario-$stack-$n/"; fi
}

# --- main -------------------------------------------------------------------------------------
make_network
make_ssh
write_shell_probe
build_golden
for stack in "${stacks[@]}"; do
    for s in "${chosen[@]}"; do run_scenario "$stack" "$s"; done
done

say "results (down: seconds without an acknowledged write through HAProxy; lost: acknowledged rows"
say "missing on the final primary; two 200s: sampled instants two probes answered 200; acks on"
say "503: acknowledged writes on a node whose probe answered 503 at that instant)"
"$repo/test/fault/summarize.awk" "$results" | tee "$work/results.md"
! awk -F'\t' '$1 == "pgwarden" && $11 != "ok"' "$results" | grep -q .
