# Shell helpers shared by scripts/demo, test/bench and test/fault: bounded waits, background
# processes tracked by pid file only, HTTP GET without curl. Source it; it defines functions only.
# shellcheck shell=bash

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

say() { echo "${LOG_PREFIX:-demo}: $*"; }
die() { echo "${LOG_PREFIX:-demo}: error: $*" >&2; exit 1; }

# Benchmarks measure what ships: a binary built with ASan/UBSan (PGWARDEN_SANITIZE=1) is several
# times slower and would make every figure wrong.
refuse_sanitized() {
    local bin
    for bin in "$@"; do
        ! grep -q -a -m1 __asan_init "$bin" ||
            die "$bin is built with sanitizers (PGWARDEN_SANITIZE=1): build a plain tree, e.g. PGWARDEN_BUILD_DIR=build-plain scripts/setup, and point the benchmark at it"
    done
}

# as_postgres CMD...: run CMD as the postgres OS user (PostgreSQL refuses to run as root), from /
# since the caller's directory (a clone in /root, say) may be closed to that user.
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# wait_until SECONDS WHAT CMD...: retry CMD every 0.2 s until it succeeds or SECONDS pass.
wait_until() {
    local limit=$1 what=$2; shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { echo "${LOG_PREFIX:-demo}: gave up after ${limit}s waiting for $what" >&2; return 1; }
        sleep 0.2
    done
}

# http_fetch ADDR PORT PATH: prints the raw HTTP reply; 3 s at most. Bash's /dev/tcp and HTTP/1.0
# (the server closes after answering), so curl is not needed. The inner script is also run in
# other network namespaces (test/fault): `ip netns exec NS timeout 3 bash -c "$http_fetch_script" ...`.
# shellcheck disable=SC2016  # $0..$2 belong to the inner bash
http_fetch_script='
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$0" >&3
    cat <&3'
http_fetch() { timeout 3 bash -c "$http_fetch_script" "$1" "$2" "$3" 2>/dev/null; }

# http_get ADDR PORT PATH: prints the status code, a space and the body on one line.
http_get() {
    local reply status body
    reply=$(http_fetch "$@") || reply=""
    if [[ -z $reply ]]; then echo "000 (no answer)"; return 1; fi
    status=${reply%%$'\n'*}
    status=${status#HTTP/1.? }
    body=${reply#*$'\r\n\r\n'}
    [[ $body == "$reply" ]] && body=""
    echo "${status%% *} ${body//$'\n'/ }"
}

# port_open ADDR PORT: true when something accepts TCP connections there.
# shellcheck disable=SC2016  # $0 $1 belong to the inner bash
port_open() { timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# pid_running PID: true while PID exists and is not a zombie.
pid_running() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [[ -n $state && $state != Z ]]
}

# pid_alive PIDFILE [TEXT]: true when the pid in PIDFILE runs and (if given) its command line
# contains TEXT, which guards against a stale pid file whose number now belongs to someone else.
pid_alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] && pid_running "$pid" || return 1
    [[ -z ${2:-} ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# start_bg PIDFILE LOGFILE USER CMD...: start CMD detached (own session, stdin closed) as USER and
# write its pid. setpriv execs in place (runuser would fork), so the pid is CMD's own.
start_bg() {
    local pidfile=$1 logfile=$2 user=$3; shift 3
    (cd / && exec setsid setpriv --reuid="$user" --regid="$user" --init-groups -- "$@" </dev/null >>"$logfile" 2>&1) &
    echo $! >"$pidfile"
}

# stop_pidfile PIDFILE [TEXT]: SIGTERM the process of PIDFILE, wait up to 10 s, then SIGKILL it.
# Only ever the pid of the file (never a name), and only if pid_alive agrees it is ours.
stop_pidfile() {
    local pidfile=$1 text=${2:-} pid
    [[ -f $pidfile ]] || return 0
    if pid_alive "$pidfile" "$text"; then
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_until 10 "pid $pid ($pidfile) to exit" pid_gone "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            wait_until 5 "pid $pid to die" pid_gone "$pid" || return 1
        fi
    fi
    rm -f "$pidfile"
}
pid_gone() { ! pid_running "$1"; }

# throwaway_server_settings: postgresql.conf lines for a test cluster whose data may be lost
# (test/bench, test/fault): no fsync, streaming with pg_rewind, quick WAL receiver retries,
# repmgr's library. The caller adds where the server listens.
throwaway_server_settings() {
    cat <<EOF
fsync = off
wal_level = replica
wal_log_hints = on
max_wal_senders = 10
wal_keep_size = '256MB'
hot_standby = on
wal_receiver_status_interval = '1s'
wal_retrieve_retry_interval = '1s'
shared_buffers = '16MB'
dynamic_shared_memory_type = mmap  # in the data directory: a kill -9 leaves nothing in /dev/shm
max_connections = 60
shared_preload_libraries = 'repmgr'
EOF
}
