#!/usr/bin/env bash
# On-demand benchmark: pgwarden-probe against the classic socat + psql probe, with wrk, on a
# throw-away 1-node PostgreSQL 15. Prints a Markdown table. See test/bench/README.md.
# Usage (as root): test/bench/probe_bench.sh   env: PGWARDEN_PROBE_BIN, BENCH_DURATION (s, default 10)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOG_PREFIX=bench
# shellcheck source=scripts/lib-demo.sh
source "$repo/scripts/lib-demo.sh"

probe_bin=${PGWARDEN_PROBE_BIN:-${PGWARDEN_BUILD_DIR:-$repo/build}/probe/pgwarden-probe}
duration=${BENCH_DURATION:-10}
connection_counts=(1 10 50)

((EUID == 0)) || die "run as root (PostgreSQL and both probes run as user postgres)"
for tool in wrk socat psql; do
    command -v "$tool" >/dev/null || die "$tool is missing: apt-get install wrk socat postgresql-15"
done
[[ -x $probe_bin ]] || die "no probe at $probe_bin: build it (scripts/setup) or set PGWARDEN_PROBE_BIN"
refuse_sanitized "$probe_bin"

work=$(mktemp -d /var/tmp/pgwarden-bench.XXXXXX)
chmod 755 "$work"
chown postgres:postgres "$work"   # the logs and the socat script belong to user postgres
install -d -o postgres -g postgres -m 700 "$work/pg" "$work/sock"
cleanup() {
    set +e
    stop_pidfile "$work/probe.pid" "--listen 127.0.0.1"
    stop_pidfile "$work/socat.pid" "TCP-LISTEN"
    [[ -f $work/pg/postmaster.pid ]] &&
        as_postgres "$PGBIN/pg_ctl" -D "$work/pg" -m immediate -w -t 30 stop >/dev/null 2>&1
    rm -rf -- "$work"
}
trap cleanup EXIT

free_port() {  # a port nobody listens on (checked now; good enough on a quiet machine)
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 20000))
        port_open 127.0.0.1 "$p" || { echo "$p"; return; }
    done
    die "found no free port"
}
pg_port=$(free_port); probe_port=$(free_port); socat_port=$(free_port)

# One PostgreSQL 15 node; both probes reach it over the same Unix socket as user postgres (peer
# auth), the cheapest path for psql, so the classic probe is measured at its best.
say "PostgreSQL 15 on port $pg_port in $work"
as_postgres "$PGBIN/initdb" -D "$work/pg" -U postgres --auth=peer -E UTF8 --no-locale >"$work/initdb.log" 2>&1 ||
    { cat "$work/initdb.log" >&2; die "initdb failed"; }
as_postgres "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -t 60 \
    -o "-p $pg_port -c listen_addresses='' -c unix_socket_directories='$work/sock' -c max_connections=200" \
    start >/dev/null || { cat "$work/pg.log" >&2; die "PostgreSQL did not start"; }

say "pgwarden-probe on 127.0.0.1:$probe_port"
start_bg "$work/probe.pid" "$work/probe.log" postgres "$probe_bin" --listen 127.0.0.1 --port "$probe_port" \
    --conninfo "host=$work/sock port=$pg_port user=postgres dbname=postgres" --log-level WARNING
answers_200() { [[ $(http_get 127.0.0.1 "$1" "$2") == 200* ]]; }
wait_until 20 "pgwarden-probe to answer" answers_200 "$probe_port" /primary ||
    { cat "$work/probe.log" >&2; die "pgwarden-probe does not answer 200 on /primary"; }

# The classic probe as deployed with repmgr: socat forks a shell script per check, which runs
# Debian's psql (the Perl wrapper on PATH, as in the field guides) and answers 200 or 503.
cat >"$work/pg_ms.sh" <<EOF
#!/bin/bash
while read -r line && [[ \${line%\$'\\r'} ]]; do :; done   # read the request up to its blank line
in_recovery=\$(PGHOST='$work/sock' PGPORT=$pg_port psql -U postgres -d postgres -tAc 'select pg_is_in_recovery()' 2>/dev/null)
if [[ \$in_recovery == f ]]; then status="200 OK" body="primary"; else status="503 Service Unavailable" body="not primary"; fi
printf 'HTTP/1.1 %s\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s' "\$status" \${#body} "\$body"
EOF
chmod 755 "$work/pg_ms.sh"
say "socat + psql probe on 127.0.0.1:$socat_port"
start_bg "$work/socat.pid" "$work/socat.log" postgres \
    socat -t20 "TCP-LISTEN:$socat_port,bind=127.0.0.1,reuseaddr,fork" "EXEC:$work/pg_ms.sh"
wait_until 20 "socat probe to answer" answers_200 "$socat_port" / ||
    { cat "$work/socat.log" >&2; die "socat probe does not answer 200"; }

# HAProxy opens a connection per check and closes it: this header makes wrk do the same.
cat >"$work/close.lua" <<'EOF'
wrk.headers["Connection"] = "close"
EOF

sessions() { as_postgres "$PGBIN/psql" -h "$work/sock" -p "$pg_port" -U postgres -d postgres -XAtqc \
    "select sum(sessions) from pg_stat_database"; }
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }   # all but idle, iowait
# tree_ticks PID...: CPU ticks of these processes and all their descendants, live or already reaped
# (utime+stime+cutime+cstime of every live one): the server side alone, whatever else runs.
tree_ticks() {
    local f
    for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null; echo; done | awk -v roots="$*" '
        NF == 0 { next }
        { p = $1; sub(/^.*\) /, ""); parent[p] = $2; ticks[p] = $12 + $13 + $14 + $15 }
        END {
            n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1
            do { grew = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 } } while (grew)
            for (p in keep) sum += ticks[p]
            print sum + 0 }'
}
hz=$(getconf CLK_TCK)
per_1000() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.3f", t / hz / n * 1000; else print "-" }'; }
postmaster=$(head -n 1 "$work/pg/postmaster.pid")

rows=()
run() {  # run LABEL MODE CONNECTIONS URL SERVER_PID: SERVER_PID and PostgreSQL are "the server"
    local label=$1 mode=$2 conns=$3 url=$4 roots="$5 $postmaster" threads=2 lua=() out s0 s1 c0 c1 t0 t1
    ((conns > 1)) || threads=1
    [[ $mode == close ]] && lua=(-s "$work/close.lua")
    s0=$(sessions); c0=$(busy_ticks); t0=$(tree_ticks "$roots")
    timeout $((duration + 30)) wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 5s --latency "${lua[@]}" "$url" \
        >"$work/wrk.out" 2>&1 || true
    c1=$(busy_ticks); t1=$(tree_ticks "$roots")
    sleep 1   # let the last backends exit and report to pg_stat_database
    s1=$(sessions)
    out=$(<"$work/wrk.out")
    local total rps p50 p99 errors non2xx
    total=$(awk '/requests in/ { print $1 }' <<<"$out")
    rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    errors=$(awk '/Socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")
    non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
    total=${total:-0}
    # The sessions() call after the run is itself one session.
    local backends=$((s1 - s0 - 1)) per1000 per1000_srv
    per1000=$(per_1000 $((c1 - c0)) "$total")
    per1000_srv=$(per_1000 $((t1 - t0)) "$total")
    rows+=("| $label | $mode | $conns | ${rps:-0} | ${p50:--} | ${p99:--} | $((${errors:-0} + ${non2xx:-0})) | $backends | $per1000 | $per1000_srv |")
    say "$label $mode c=$conns: ${rps:-0} req/s, p50 ${p50:--}, p99 ${p99:--}, $backends backends, CPU s/1000 checks: $per1000 machine, $per1000_srv server"
}

for c in "${connection_counts[@]}"; do run pgwarden-probe keep-alive "$c" "http://127.0.0.1:$probe_port/primary" "$(cat "$work/probe.pid")"; done
for c in "${connection_counts[@]}"; do run pgwarden-probe close "$c" "http://127.0.0.1:$probe_port/primary" "$(cat "$work/probe.pid")"; done
for c in "${connection_counts[@]}"; do run "socat + psql" close "$c" "http://127.0.0.1:$socat_port/" "$(cat "$work/socat.pid")"; done

cat <<EOF

$(nproc) cores, wrk ${duration}s per row. PG backends: sessions opened during the row (pg_stat_database.sessions).
CPU s per 1000 checks: "machine" from /proc/stat (wrk and anything else running included), "server" the
probe and PostgreSQL process trees only (/proc/PID/stat, reaped children included).

| probe | connection | wrk conns | requests/s | p50 | p99 | errors | PG backends opened | CPU s/1000 machine | CPU s/1000 server |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
printf '%s\n' "${rows[@]}"
