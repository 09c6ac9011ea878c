#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run through trap and wait_until
# Failover time of pgwardend against the real repmgrd 5.3 on the same 3-node PostgreSQL 15
# cluster: kill -9 of the primary's postmaster -> a standby accepts a write -> the other standby
# streams from it. On demand, not in CI. Usage (as root): test/bench/failover_bench.sh [BUILD_DIR]
#   BUILD_DIR   where pgwardend and pgwarden were built (default: ./build); nothing is built here.
# Environment: BENCH_RUNS (runs per variant, default 5), BENCH_VARIANTS (default
# "pgwardend:repmgr repmgrd:repmgr pgwardend:pgwarden", daemon:CLI used as promote/follow
# command), BENCH_KEEP=1 (keep the directory with every run's logs), BENCH_FENCE_ACTION
# (pgwardend's fence-action, default off: like for like with repmgrd, which does not fence).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib-demo.sh
source "$repo/scripts/lib-demo.sh"
LOG_PREFIX=failover-bench

build_dir=$(cd "${1:-$repo/build}" && pwd) || die "no build directory ${1:-$repo/build}"
runs=${BENCH_RUNS:-5}
read -r -a variants <<<"${BENCH_VARIANTS:-pgwardend:repmgr repmgrd:repmgr pgwardend:pgwarden}"
repmgr_bin=$PGBIN/repmgr
repmgrd_bin=$PGBIN/repmgrd
psql_bin=$PGBIN/psql           # the real one: Debian's Perl wrapper costs ~30 ms a call
# Bounds: each wait in a run, and the whole kill -> follow measurement.
setup_limit=60 failover_limit=60

[[ $EUID -eq 0 ]] || die "run as root (servers and daemons run as postgres)"
for f in "$build_dir/daemon/pgwardend" "$build_dir/cli/pgwarden" "$repmgr_bin" "$repmgrd_bin"; do
    [[ -x $f ]] || die "$f is missing (build first: cmake --build $build_dir)"
done
refuse_sanitized "$build_dir/daemon/pgwardend" "$build_dir/cli/pgwarden"

work=$(mktemp -d /var/tmp/pgwarden-failover-bench.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/bin" "$work/logs"
# Copies user postgres can run, wherever the build directory is.
install -m 755 "$build_dir/daemon/pgwardend" "$build_dir/cli/pgwarden" "$work/bin/"
chown -R postgres:postgres "$work"
run=$work/run          # the live cluster; a fresh copy of $work/golden for every run
results=$work/results  # variant run seconds_to_writable seconds_to_follower winner

declare -a port
for i in 1 2 3; do
    p=$((20000 + RANDOM % 20000))
    while port_open 127.0.0.1 "$p" || [[ " ${port[*]:-} " == *" $p "* ]]; do p=$((p + 1)); done
    port[i]=$p
done

pg() {  # pg NODE SQL: one statement on NODE over TCP, 1 s to connect
    PGCONNECT_TIMEOUT=1 "$psql_bin" -X -At -h 127.0.0.1 -p "${port[$1]}" -U postgres -d postgres -c "$2" 2>/dev/null
}
pg_ctl_node() {  # pg_ctl_node NODE ARGS...
    local i=$1; shift
    as_postgres "$PGBIN/pg_ctl" -D "$run/node$i/data" "$@"
}
start_node() {
    as_postgres "$PGBIN/pg_ctl" -D "$run/node$1/data" -o "-p ${port[$1]}" -l "$run/node$1/postgresql.log" -w -t 60 start >/dev/null ||
        die "node$1 did not start; see $run/node$1/postgresql.log"
}
now() { date +%s.%N; }

group_gone() { ! pgrep -g "$1" >/dev/null; }
# stop_daemon NODE: the daemon, then any promote/follow command it left running. start_bg made the
# daemon a session leader, so its commands are in process group <its pid>: killed by that id.
stop_daemon() {
    local pidfile=$run/daemon$1.pid pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    stop_pidfile "$pidfile" "$run/node$1/repmgr.conf" || true
    group_gone "$pid" && return 0
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait_until 10 "process group $pid to exit" group_gone "$pid" || kill -KILL -- "-$pid" 2>/dev/null || true
}
stop_daemons() {
    local i
    for i in 1 2 3; do stop_daemon "$i"; done
}
stop_cluster() {
    local i pid
    stop_daemons
    for i in 1 2 3; do
        [[ -f $run/node$i/data/postmaster.pid ]] || continue
        pid=$(head -1 "$run/node$i/data/postmaster.pid")
        if pid_running "$pid"; then pg_ctl_node "$i" -m immediate -w -t 30 stop >/dev/null 2>&1 || true; fi
    done
}
cleanup() {
    local rc=$?
    stop_cluster
    if [[ ${BENCH_KEEP:-} == 1 || $rc -ne 0 ]]; then
        say "kept $work (logs in $work/logs)"
    else
        rm -rf -- "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

repmgr_conf() {  # repmgr_conf NODE: the settings every variant shares
    cat <<EOF
node_id=$1
node_name='node$1'
conninfo='host=127.0.0.1 port=${port[$1]} user=postgres dbname=postgres connect_timeout=2'
data_directory='$run/node$1/data'
pg_bindir='$PGBIN'
failover=automatic
monitor_interval_secs=1
reconnect_attempts=3
reconnect_interval=1
log_file='$run/node$1/daemon.log'
EOF
}

# --- the golden cluster: built and registered once, copied for every run ----------------------
build_golden() {
    local i
    say "initdb, 2 base backups, repmgr register (ports ${port[*]:1})"
    mkdir -p "$run/node1" "$run/node2" "$run/node3"
    chown -R postgres:postgres "$run"
    as_postgres "$PGBIN/initdb" -D "$run/node1/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$work/logs/initdb.log" 2>&1 ||
        die "initdb failed; see $work/logs/initdb.log"
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$run'"
        throwaway_server_settings
    } >>"$run/node1/data/postgresql.conf"
    start_node 1
    for i in 1 2 3; do
        repmgr_conf "$i" >"$run/node$i/repmgr.conf"
        chown postgres:postgres "$run/node$i/repmgr.conf"
    done
    as_postgres "$repmgr_bin" -f "$run/node1/repmgr.conf" primary register >>"$work/logs/setup.log" 2>&1 ||
        die "primary register failed; see $work/logs/setup.log"
    pg 1 "CREATE TABLE bench_write (at timestamptz)" >/dev/null
    for i in 2 3; do
        as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "${port[1]}" -U postgres -D "$run/node$i/data" \
            -X stream -c fast --no-sync -R >>"$work/logs/setup.log" 2>&1 || die "base backup of node$i failed"
        # repmgr finds a standby in pg_stat_replication by its node name.
        sed -i '/^primary_conninfo/d' "$run/node$i/data/postgresql.auto.conf"
        echo "primary_conninfo = 'host=127.0.0.1 port=${port[1]} user=postgres application_name=node$i'" >>"$run/node$i/data/postgresql.auto.conf"
        start_node "$i"
        wait_until "$setup_limit" "node$i to replay the metadata" pg "$i" "SELECT 1 FROM repmgr.nodes WHERE node_id = 1" ||
            die "node$i has no metadata"
        as_postgres "$repmgr_bin" -f "$run/node$i/repmgr.conf" standby register >>"$work/logs/setup.log" 2>&1 ||
            die "standby register of node$i failed; see $work/logs/setup.log"
    done
    # A clean stop, primary first: its shutdown checkpoint reaches both standbys.
    for i in 1 2 3; do pg_ctl_node "$i" -m fast -w -t 60 stop >/dev/null; done
    cp -a "$run" "$work/golden"
}

# --- one run ----------------------------------------------------------------------------------
streaming_count() { pg "$1" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"; }
all_streaming() { [[ $(streaming_count 1) == 2 ]]; }
daemon_monitoring() { grep -q "monitoring" "$run/node$1/daemon.log" 2>/dev/null; }

one_run() {  # one_run VARIANT N
    local variant=$1 n=$2 daemon=${1%%:*} cli=${1##*:} i cli_bin daemon_bin t0 t_write="" t_follow="" winner="" other
    rm -rf -- "$run"
    cp -a "$work/golden" "$run"
    case $cli in
        repmgr) cli_bin=$repmgr_bin ;;
        pgwarden) cli_bin=$work/bin/pgwarden ;;
        *) die "unknown CLI $cli in variant $variant" ;;
    esac
    case $daemon in
        repmgrd) daemon_bin=$repmgrd_bin ;;
        pgwardend) daemon_bin=$work/bin/pgwardend ;;
        *) die "unknown daemon $daemon in variant $variant" ;;
    esac
    for i in 1 2 3; do
        cat >>"$run/node$i/repmgr.conf" <<EOF
promote_command='$cli_bin -f $run/node$i/repmgr.conf standby promote'
follow_command='$cli_bin -f $run/node$i/repmgr.conf standby follow -W --upstream-node-id=%n'
EOF
        start_node "$i"
    done
    wait_until "$setup_limit" "both standbys to stream" all_streaming || die "standbys not streaming in run $n of $variant"
    # pgwardend's fencing makes no election wait for the old primary's lease (repmgrd has none);
    # BENCH_FENCE_ACTION=read-only measures the fenced failover (fence-timeout 3, margin 1).
    local daemon_args=()
    if [[ $daemon == pgwardend ]]; then
        cat >"$run/pgwarden.ini" <<EOF
[daemon]
fence-action = ${BENCH_FENCE_ACTION:-off}
fence-timeout = 3
fence-margin = 1
lease-directory = $run
EOF
        chown postgres:postgres "$run/pgwarden.ini"
        daemon_args=(--ini "$run/pgwarden.ini")
    fi
    for i in 1 2 3; do
        start_bg "$run/daemon$i.pid" "$run/node$i/daemon.out" postgres \
            "$daemon_bin" -f "$run/node$i/repmgr.conf" --daemonize=false --no-pid-file "${daemon_args[@]}"
    done
    for i in 1 2 3; do
        wait_until "$setup_limit" "$daemon on node$i to monitor" daemon_monitoring "$i" || die "$daemon on node$i did not start; see $run/node$i/daemon.log"
    done
    sleep 2  # a few monitoring rounds: every daemon has seen its upstream

    t0=$(now)
    kill -KILL "$(head -1 "$run/node1/data/postmaster.pid")"
    local deadline=$((SECONDS + failover_limit))
    while [[ -z $t_write ]] && ((SECONDS < deadline)); do
        for i in 2 3; do
            if pg "$i" "INSERT INTO bench_write VALUES (now())" >/dev/null; then
                t_write=$(now) winner=$i
                break
            fi
        done
        [[ -n $t_write ]] || sleep 0.05
    done
    if [[ -n $winner ]]; then
        other=$((5 - winner))
        while [[ -z $t_follow ]] && ((SECONDS < deadline)); do
            if [[ $(pg "$winner" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = 'node$other'") == 1 ]]; then
                t_follow=$(now)
            else
                sleep 0.05
            fi
        done
    fi
    stop_cluster
    for i in 1 2 3; do
        cat "$run/node$i/daemon.log" "$run/node$i/daemon.out" >"$work/logs/$daemon-$cli-$n-node$i.log" 2>/dev/null || true
    done
    if [[ -z $t_write || -z $t_follow ]]; then
        say "$variant run $n: no complete failover within ${failover_limit}s (logs: $work/logs/$daemon-$cli-$n-node*.log)"
        echo "$variant $n - - ${winner:-none}" >>"$results"
        BENCH_FAILED=1
        return
    fi
    local w f
    w=$(echo "$t_write - $t0" | bc -l) f=$(echo "$t_follow - $t0" | bc -l)
    printf '%s run %d: node%s writable after %.2f s, node%s streaming from it after %.2f s\n' \
        "$variant" "$n" "$winner" "$w" "$other" "$f"
    echo "$variant $n $w $f node$winner" >>"$results"
}

# --- summary ----------------------------------------------------------------------------------
stats() {  # stats COLUMN VARIANT: "median (min–max)" of a column over the complete runs
    awk -v v="$2" -v c="$1" '$1 == v && $c != "-" { print $c }' "$results" | sort -g | awk '
        { x[NR] = $1 }
        END {
            if (NR == 0) { print "n/a"; exit }
            m = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
            printf "%.2f s (%.2f–%.2f)", m, x[1], x[NR]
        }'
}

command -v bc >/dev/null || die "bc is needed (apt-get install bc)"
BENCH_FAILED=0
build_golden
: >"$results"
for ((n = 1; n <= runs; n++)); do
    for v in "${variants[@]}"; do one_run "$v" "$n"; done  # interleaved: drift hits every variant
done

echo
echo "| daemon : promote/follow command | runs | kill -9 -> writable, median (min–max) | kill -9 -> last standby streaming |"
echo "|---|---|---|---|"
for v in "${variants[@]}"; do
    ok=$(awk -v v="$v" '$1 == v && $3 != "-"' "$results" | wc -l)
    echo "| $v | $ok/$runs | $(stats 3 "$v") | $(stats 4 "$v") |"
done
exit "$BENCH_FAILED"
