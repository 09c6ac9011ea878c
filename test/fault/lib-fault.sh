# The fault suite's machinery (fault_suite.sh sources it): network namespaces, one PostgreSQL 15
# cluster per scenario, the stack under test on it (pgwarden's or the classic one), HAProxy, the
# writer and the sampler. Defines functions only; uses the caller's $work, $build_dir, $repo.
# shellcheck shell=bash

# --- the network: a bridge namespace, a namespace per node and one for HAProxy and the clients --
subnet=10.77.0
declare -A addr=([node1]=$subnet.11 [node2]=$subnet.12 [node3]=$subnet.13 [lb]=$subnet.100)
tag=pgwf$$
declare -A ns=([node1]=$tag-n1 [node2]=$tag-n2 [node3]=$tag-n3 [lb]=$tag-lb)
bridge_ns=$tag-br
pg_port=5432 probe_port=5445 rw_port=5432 ro_port=5433 stats_port=7000

in_ns() {  # in_ns WHERE CMD...: run CMD in the namespace of WHERE (node1..3, lb)
    local where=$1; shift
    ip netns exec "${ns[$where]}" "$@"
}

make_network() {
    local n i=0
    ip netns add "$bridge_ns"
    ip -n "$bridge_ns" link add br0 type bridge
    ip -n "$bridge_ns" link set br0 up
    for n in node1 node2 node3 lb; do
        i=$((i + 1))
        ip netns add "${ns[$n]}"
        ip -n "$bridge_ns" link add "v$tag$i" type veth peer name eth0 netns "${ns[$n]}"
        ip -n "$bridge_ns" link set "v$tag$i" master br0 up
        ip -n "${ns[$n]}" addr add "${addr[$n]}/24" dev eth0
        ip -n "${ns[$n]}" link set eth0 up
        ip -n "${ns[$n]}" link set lo up
        # One table per namespace for the faults; empty chains accept everything.
        in_ns "$n" nft "add table inet fault"
        in_ns "$n" nft "add chain inet fault input { type filter hook input priority 0 ; policy accept ; }"
        in_ns "$n" nft "add chain inet fault output { type filter hook output priority 0 ; policy accept ; }"
    done
}
remove_network() {  # every namespace this run made; the veths and tables go with them
    local n
    for n in "${ns[@]}" "$bridge_ns"; do
        if [[ -e /var/run/netns/$n ]]; then ip netns delete "$n" || true; fi
    done
    return 0
}

# cut NODE PEER...: every packet between NODE and the PEERs is dropped (no reset: silence).
cut() {
    local n=$1 peer set=""; shift
    for peer in "$@"; do set+="${set:+, }${addr[$peer]}"; done
    in_ns "$n" nft "add rule inet fault input ip saddr { $set } drop"
    in_ns "$n" nft "add rule inet fault output ip daddr { $set } drop"
}
# lossy NODE PERCENT: that share of NODE's packets, both ways, dropped at random.
lossy() {
    in_ns "$1" nft "add rule inet fault input iifname eth0 numgen random mod 100 < $2 drop"
    in_ns "$1" nft "add rule inet fault output oifname eth0 numgen random mod 100 < $2 drop"
}
heal() {
    local n
    for n in node1 node2 node3; do
        in_ns "$n" nft "flush chain inet fault input"
        in_ns "$n" nft "flush chain inet fault output"
    done
}

# --- processes: started detached, tracked by pid file only ---------------------------------
# start_in_ns WHERE NAME USER CMD...: CMD detached in WHERE's namespace as USER; pid in run/NAME.pid.
start_in_ns() {
    local where=$1 name=$2 user=$3; shift 3
    # The user's own file: a daemon's log_file may be the same one.
    [[ -e $run/log/$name.log ]] || install -o "$user" -g "$user" -m 644 /dev/null "$run/log/$name.log"
    (cd / && exec ip netns exec "${ns[$where]}" setsid setpriv --reuid="$user" --regid="$user" --init-groups -- "$@" \
        </dev/null >>"$run/log/$name.log" 2>&1) &
    echo $! >"$run/$name.pid"
}
# stop_named NAME: SIGTERM (SIGCONT first: it may be a stopped postmaster's sibling), SIGKILL after 10 s.
stop_named() {
    local pidfile=$run/$1.pid pid
    [[ -f $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    if pid_running "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_until 10 "$1 (pid $pid) to exit" pid_gone "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            wait_until 5 "$1 (pid $pid) to die" pid_gone "$pid" || true
        fi
    fi
    rm -f "$pidfile"
}
# kill_group NAME: what a daemon left running (a promote or follow command) dies with its session.
kill_group() {
    local pidfile=$run/$1.pid pid
    [[ -f $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    kill -KILL -- "-$pid" 2>/dev/null || true
    return 0
}

# --- PostgreSQL ----------------------------------------------------------------------------
data_of() { echo "$run/$1/data"; }
postmaster_pid() { head -n 1 "$(data_of "$1")/postmaster.pid" 2>/dev/null; }
pg_ctl_in() {  # pg_ctl_in NODE ARGS...: pg_ctl on NODE's data directory, in its namespace
    local n=$1; shift
    (cd / && in_ns "$n" runuser -u postgres -- "$PGBIN/pg_ctl" -D "$(data_of "$n")" "$@")
}
start_pg() {
    pg_ctl_in "$1" -l "$run/log/pg-$1.log" -w -t 60 start >/dev/null ||
        { tail -n 20 "$run/log/pg-$1.log" >&2; die "PostgreSQL $1 did not start"; }
}
stop_pg() {  # immediate: the scenario is over, nothing of it needs to reach disk
    local pid
    pid=$(postmaster_pid "$1") || return 0
    pid_running "$pid" || return 0
    kill -CONT "$pid" 2>/dev/null || true
    pg_ctl_in "$1" -m immediate -w -t 30 stop >/dev/null 2>&1 || { kill -KILL "$pid" 2>/dev/null || true; }
    wait_until 10 "PostgreSQL $1 to exit" pid_gone "$pid" || true
}
sql() {  # sql NODE QUERY: one value from NODE, from NODE's own namespace, 2 s to connect
    in_ns "$1" env PGCONNECT_TIMEOUT=2 "$PGBIN/psql" -X -At -h "${addr[$1]}" -U postgres -d postgres -c "$2" 2>/dev/null
}
conninfo_of() { echo "host=${addr[$1]} port=$pg_port user=postgres dbname=postgres connect_timeout=2"; }

# The golden cluster: built and registered once per run, copied for each scenario.
build_golden() {
    local n
    say "building the golden cluster: initdb node1, base backups of node2 and node3, registration"
    for n in node1 node2 node3; do install -d -o postgres -g postgres -m 700 "$run/$n"; done
    (cd / && runuser -u postgres -- "$PGBIN/initdb" -D "$(data_of node1)" -A trust -U postgres -E UTF8 --locale=C \
        --no-sync >"$run/log/initdb.log" 2>&1) || die "initdb failed; see $run/log/initdb.log"
    {
        echo "# --- pgwarden fault suite: the same on every node (each has its own namespace and address) ---"
        echo "listen_addresses = '*'"
        echo "unix_socket_directories = ''"
        throwaway_server_settings
    } >>"$(data_of node1)/postgresql.conf"
    cat >"$(data_of node1)/pg_hba.conf" <<EOF
host all         all $subnet.0/24 trust
host replication all $subnet.0/24 trust
EOF
    start_pg node1
    for n in node1 node2 node3; do write_repmgr_conf "$n" pgwarden; done
    in_ns node1 runuser -u postgres -- "$work/bin/pgwarden" -f "$run/node1.repmgr.conf" primary register \
        >>"$run/log/setup.log" 2>&1 || die "primary register failed; see $run/log/setup.log"
    sql node1 "CREATE TABLE fault_rows (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())" >/dev/null
    for n in node2 node3; do
        (cd / && in_ns "$n" runuser -u postgres -- "$PGBIN/pg_basebackup" -h "${addr[node1]}" -U postgres \
            -D "$(data_of "$n")" -X stream -c fast --no-sync >>"$run/log/setup.log" 2>&1) ||
            die "base backup of $n failed; see $run/log/setup.log"
        touch "$(data_of "$n")/standby.signal"
        echo "primary_conninfo = 'host=${addr[node1]} port=$pg_port user=postgres application_name=$n'" \
            >>"$(data_of "$n")/postgresql.auto.conf"
        chown postgres:postgres "$(data_of "$n")/standby.signal" "$(data_of "$n")/postgresql.auto.conf"
        start_pg "$n"
        wait_until 60 "$n to replay the metadata" sql_is "$n" "SELECT count(*) FROM repmgr.nodes WHERE node_id = 1" 1 ||
            die "$n has no metadata"
        in_ns "$n" runuser -u postgres -- "$work/bin/pgwarden" -f "$run/$n.repmgr.conf" standby register \
            >>"$run/log/setup.log" 2>&1 || die "standby register of $n failed; see $run/log/setup.log"
    done
    wait_until 60 "both standbys to stream" sql_is node1 \
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2 || die "standbys not streaming"
    # Primary first: its shutdown checkpoint reaches both standbys before they stop.
    for n in node1 node2 node3; do pg_ctl_in "$n" -m fast -w -t 60 stop >/dev/null; done
    # Only now (a commit would wait for a standby that is not there yet), on every node, so that
    # whichever is promoted keeps it: every acknowledged commit is on a standby too, which is what
    # makes "zero acknowledged rows lost" a fair requirement.
    for n in node1 node2 node3; do
        cat >>"$(data_of "$n")/postgresql.conf" <<EOF
synchronous_commit = on
synchronous_standby_names = 'ANY 1 (node1, node2, node3)'
EOF
    done
    cp -a "$run" "$work/golden"
}
sql_is() { [[ $(sql "$1" "$2") == "$3" ]]; }

# A fresh copy of the golden cluster for a scenario, with logs of its own.
fresh_cluster() {
    rm -rf -- "$run"
    cp -a "$work/golden" "$run"
    rm -f "$run"/log/*
}

# --- the stacks ----------------------------------------------------------------------------
# write_repmgr_conf NODE STACK: the settings both stacks share (the demo's timing), and the CLI
# the stack's daemon runs to promote and follow.
write_repmgr_conf() {
    local n=$1 stack=$2 id=${1#node} cli
    case $stack in
        pgwarden) cli=$work/bin/pgwarden ;;
        classic) cli=$PGBIN/repmgr ;;
    esac
    cat >"$run/$n.repmgr.conf" <<EOF
node_id=$id
node_name='$n'
conninfo='$(conninfo_of "$n")'
data_directory='$(data_of "$n")'
pg_bindir='$PGBIN'
failover=automatic
promote_command='$cli -f $run/$n.repmgr.conf standby promote'
follow_command='$cli -f $run/$n.repmgr.conf standby follow -W --upstream-node-id=%n'
monitor_interval_secs=1
reconnect_attempts=3
reconnect_interval=1
priority=$((110 - id * 10))
log_file='$run/log/daemon-$n.log'
pg_ctl_options='-l $run/log/pg-$n.log'
ssh_options='-q -o ConnectTimeout=10 -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$work/ssh/known_hosts -i $work/ssh/id_ed25519'
EOF
    # Where a remote pgwarden is found (switchover, --siblings-follow); repmgr's is in pg_bindir.
    [[ $stack == classic ]] || echo "repmgr_bindir='$work/bin'" >>"$run/$n.repmgr.conf"
    chown postgres:postgres "$run/$n.repmgr.conf"
}
# pgwarden.ini: the demo's fencing (read-only after 5 s without a majority; no election before 9 s).
write_pgwarden_ini() {
    local n=$1 id=${1#node}
    install -d -o postgres -g postgres "$run/lease-$n"
    cat >"$run/$n.pgwarden.ini" <<EOF
[probe]
node-id = $id
fencing = auto
lease-directory = $run/lease-$n
[daemon]
fence-action = read-only
fence-timeout = 5
fence-margin = 4
lease-directory = $run/lease-$n
EOF
    chown postgres:postgres "$run/$n.pgwarden.ini"
}

start_daemon() {  # start_daemon STACK NODE
    case $1 in
        pgwarden) start_in_ns "$2" "daemon-$2" postgres "$work/bin/pgwardend" -f "$run/$2.repmgr.conf" \
                      --ini "$run/$2.pgwarden.ini" --daemonize=false --no-pid-file ;;
        classic) start_in_ns "$2" "daemon-$2" postgres "$PGBIN/repmgrd" -f "$run/$2.repmgr.conf" --daemonize=false \
                     --no-pid-file ;;
    esac
}
daemon_monitoring() { grep -q "monitoring" "$run/log/daemon-$1.log" 2>/dev/null; }

# The classic probe: socat forks this per check, and it forks a psql per check.
write_shell_probe() {
    cat >"$work/bin/pg_ms.sh" <<EOF
#!/bin/bash
# The classic HAProxy check: 200 when pg_is_in_recovery() is false, 503 otherwise.
read -r -t 2 _request
if [[ \$("$PGBIN/psql" -X -At -h "\$PGW_HOST" -U postgres -d postgres -c 'select pg_is_in_recovery()' 2>/dev/null) == f ]]; then
    printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nprimary\n'
else
    printf 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nstandby\n'
fi
EOF
    chmod 755 "$work/bin/pg_ms.sh"
}
start_probe() {  # start_probe STACK NODE
    case $1 in
        pgwarden) start_in_ns "$2" "probe-$2" postgres "$work/bin/pgwarden-probe" --listen "${addr[$2]}" \
                      --port "$probe_port" --ini "$run/$2.pgwarden.ini" --conninfo "$(conninfo_of "$2")" ;;
        classic) start_in_ns "$2" "probe-$2" postgres env PGW_HOST="${addr[$2]}" PGCONNECT_TIMEOUT=2 \
                     socat "TCP-LISTEN:$probe_port,bind=${addr[$2]},reuseaddr,fork" "EXEC:$work/bin/pg_ms.sh" ;;
    esac
}
# fetch_from_lb ADDR PORT PATH: the raw HTTP reply, asked from HAProxy's namespace (lib-demo.sh).
fetch_from_lb() { in_ns lb timeout 3 bash -c "$http_fetch_script" "$@" 2>/dev/null; }

haproxy_env() {
    echo "PGW_NODE1=${addr[node1]}" "PGW_NODE2=${addr[node2]}" "PGW_NODE3=${addr[node3]}" "PGW_PG_PORT=$pg_port" \
        "PGW_PROBE_PORT=$probe_port" "PGW_LISTEN=${addr[lb]}" "PGW_RW_PORT=$rw_port" "PGW_RO_PORT=$ro_port" \
        "PGW_STATS_PORT=$stats_port" "PGW_STATS_SOCKET=$run/haproxy.sock"
}
start_haproxy() {
    # shellcheck disable=SC2046  # one word per variable
    in_ns lb env $(haproxy_env) haproxy -D -p "$run/haproxy.pid" -f "$repo/etc/haproxy.cfg" >>"$run/log/haproxy.log" 2>&1 ||
        die "haproxy did not start; see $run/log/haproxy.log"
}
# rw_routes_to NODE: HAProxy's read-write backend has NODE UP and every other node DOWN.
rw_routes_to() {
    local csv
    csv=$(fetch_from_lb "${addr[lb]}" "$stats_port" "/;csv") || return 1
    [[ $(awk -F, '$1 == "postgres_rw" && $2 != "BACKEND" && $18 ~ /^UP/ { print $2 }' <<<"$csv" | tr '\n' ' ') == "$1 " ]]
}

# start_stack STACK [NODES...]: PostgreSQL, daemon and probe on each node (default all three),
# HAProxy; returns when HAProxy routes writes to node1 and a standby is synchronous.
start_stack() {
    local stack=$1 n; shift
    local nodes=("$@")
    ((${#nodes[@]} > 0)) || nodes=(node1 node2 node3)
    for n in "${nodes[@]}"; do
        write_repmgr_conf "$n" "$stack"
        write_pgwarden_ini "$n"
        [[ -n ${extra_conf[$n]:-} ]] && echo "${extra_conf[$n]}" >>"$run/$n.repmgr.conf"
        start_pg "$n"
    done
    wait_until 60 "the standbys to stream" sql_is node1 \
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" "$((${#nodes[@]} - 1))" ||
        die "the standbys do not stream from node1"
    # A scenario's own set-up between the servers and the daemons (fault_suite.sh: before_daemons_N);
    # it may name a witness, which gets a daemon but no probe (HAProxy must never pick it).
    [[ -z ${before_daemons:-} ]] || "$before_daemons"
    [[ -z ${witness_node:-} ]] || nodes+=("$witness_node")
    for n in "${nodes[@]}"; do start_daemon "$stack" "$n"; done
    [[ -z ${witness_node:-} ]] || unset 'nodes[-1]'
    for n in "${nodes[@]}" ${witness_node:-}; do
        wait_until 30 "the daemon of $n to monitor" daemon_monitoring "$n" ||
            { tail -n 20 "$run/log/daemon-$n.log" >&2; die "the daemon of $n did not start"; }
    done
    for n in "${nodes[@]}"; do start_probe "$stack" "$n"; done
    if [[ -n ${with_ssh:-} ]]; then for n in "${nodes[@]}"; do start_sshd "$n"; done; fi
    start_haproxy
    wait_until 30 "HAProxy to route writes to node1" rw_routes_to node1 || die "HAProxy does not route writes to node1"
    wait_until 30 "a synchronous standby" sql_is node1 \
        "SELECT count(*) > 0 FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')" t ||
        die "no synchronous standby"
}
# Everything a scenario started, whatever state it left; never fails (teardown must finish).
stop_stack() {
    local n pid
    stop_named writer || true
    stop_named sampler || true
    for n in node1 node2 node3; do
        # A stopped postmaster gets going again first, or nothing of it would exit.
        if pid=$(postmaster_pid "$n"); then kill -CONT "$pid" 2>/dev/null || true; fi
        stop_named "daemon-$n" || true
        kill_group "daemon-$n" || true
    done
    if [[ -f $run/haproxy.pid ]]; then
        pid=$(cat "$run/haproxy.pid")
        kill -TERM "$pid" 2>/dev/null || true
        wait_until 10 "haproxy to exit" pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
        rm -f "$run/haproxy.pid"
    fi
    for n in node1 node2 node3; do
        stop_named "probe-$n" || true
        kill_group "probe-$n" || true
        stop_named "sshd-$n" || true
    done
    for n in node1 node2 node3; do
        if [[ -d $run/$n ]]; then stop_pg "$n" || true; fi
    done
    heal >/dev/null 2>&1 || true
    return 0
}

# --- SSH between the nodes (repmgr's switchover, --siblings-follow): an sshd in each node's
# namespace on its own address, keys made for this run ---------------------------------------
make_ssh() {
    install -d -o postgres -g postgres -m 700 "$work/ssh"
    ssh-keygen -q -t ed25519 -N '' -C "fault-suite host" -f "$work/ssh/host_key"
    runuser -u postgres -- ssh-keygen -q -t ed25519 -N '' -C "fault-suite postgres" -f "$work/ssh/id_ed25519"
    install -o postgres -g postgres -m 600 "$work/ssh/id_ed25519.pub" "$work/ssh/authorized_keys"
    echo "${addr[node1]},${addr[node2]},${addr[node3]} $(awk '{ print $1, $2 }' "$work/ssh/host_key.pub")" \
        >"$work/ssh/known_hosts"
    chown postgres:postgres "$work/ssh/known_hosts"
    # UsePAM: without it sshd refuses Debian's postgres account, whose password is locked ('!').
    cat >"$work/ssh/sshd_config" <<EOF
Port 22
HostKey $work/ssh/host_key
AuthorizedKeysFile $work/ssh/authorized_keys
AllowUsers postgres
StrictModes no
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
UseDNS no
EOF
    install -d -m 755 /run/sshd
}
start_sshd() {  # start_sshd NODE
    start_in_ns "$1" "sshd-$1" root /usr/sbin/sshd -D -e -f "$work/ssh/sshd_config" \
        -o "ListenAddress=${addr[$1]}" -o "PidFile=$run/sshd-$1.own.pid"
}

# --- the clients ---------------------------------------------------------------------------
start_clients() {  # start_clients SECONDS
    start_in_ns lb writer root "$work/bin/fault_writer" --seconds "$1" --out "$run/writes" \
        --conninfo "host=${addr[lb]} port=$rw_port user=postgres dbname=postgres connect_timeout=2"
    start_in_ns lb sampler root "$work/bin/fault_sampler" --seconds "$1" --out "$run/samples" \
        "${addr[node1]}:$probe_port" "${addr[node2]}:$probe_port" "${addr[node3]}:$probe_port"
}
clients_done() { pid_gone "$(cat "$run/writer.pid")" && pid_gone "$(cat "$run/sampler.pid")"; }
