// PgCluster: initdb, pg_basebackup, pg_ctl and psql driven for tests, and a teardown that always
// runs.
#include "pg_cluster.hpp"

#include "initdb_template.hpp"
#include "log_file.hpp"
#include "ports.hpp"
#include "postgres_user.hpp"
#include "process_table.hpp"
#include "run_command.hpp"
#include "wait.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pgwarden::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds kPsqlTimeout{30};
constexpr seconds kInitdbTimeout{120};
// pg_ctl gets the cluster's bound with -t; this much more before we kill pg_ctl itself.
constexpr seconds kPgCtlSlack{15};
constexpr seconds kTeardownStop{15};
constexpr seconds kTeardownKill{10};
constexpr milliseconds kPoll{50};
// Each first start tries this many ports when the previous one was taken in the meantime.
constexpr int kPortAttempts = 5;

// Settings for fast, disposable servers that can replicate, be rewound and be promoted. No port:
// it would travel to other nodes with pg_basebackup and pg_rewind.
constexpr const char* kTestConf = R"(
# --- pgwarden test harness ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
fsync = off
wal_level = replica
wal_log_hints = on                      # pg_rewind without data checksums
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = '256MB'                 # standbys that were down a while can still catch up
hot_standby = on
wal_receiver_status_interval = '1s'     # pg_stat_replication is fresh within a second
wal_retrieve_retry_interval = '1s'      # a repointed standby reconnects quickly
shared_buffers = '16MB'
dynamic_shared_memory_type = mmap       # in the data directory: a kill -9 leaves nothing in /dev/shm
max_connections = 50
autovacuum = off
logging_collector = off                 # stderr goes to pg_ctl -l <node>/postgresql.log
log_line_prefix = '%m [%p] %q%a '
)";

// The timeline a node writes (primary) or receives (standby) now; pg_control's is stale until
// the first checkpoint after a promotion.
constexpr const char* kCurrentTimelineSql =
    "SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver) "
    "ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END";
constexpr const char* kReceiverSql =
    "SELECT status || ' on timeline ' || received_tli FROM pg_stat_wal_receiver";

constexpr const char* kTestHba = R"(local all all trust
host all all 127.0.0.1/32 trust
local replication all trust
host replication all 127.0.0.1/32 trust
)";

void write_file(const std::string& path, const std::string& content,
                std::ios::openmode mode = std::ios::trunc) {
    {
        std::ofstream out(path, std::ios::out | mode);
        out << content;
        if (!out.flush())
            throw std::runtime_error(fmt::format("could not write \"{}\"", path));
    }
    give_to_postgres(path);
}

void make_private_dir(const std::string& path) {
    if (mkdir(path.c_str(), 0700) != 0)
        throw std::runtime_error(
            fmt::format("could not create directory \"{}\": {}", path, std::strerror(errno)));
    give_to_postgres(path);
}

bool port_is_free(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // ignore TIME_WAIT leftovers
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return free;
}

bool all_gone(const std::vector<pid_t>& pids) {
    bool gone = true;
    for (pid_t pid : pids)
        gone = process_gone(pid) && gone;  // reap every one, not just the first
    return gone;
}

std::string strip_newline(std::string s) {
    while (!s.empty() && s.back() == '\n')
        s.pop_back();
    return s;
}

}  // namespace

std::string PgNode::conninfo(const std::string& dbname) const {
    return fmt::format("host=127.0.0.1 port={} user=postgres dbname={} connect_timeout=2", port,
                       dbname);
}

std::string PgCluster::pg_bin(const std::string& program) {
    return fmt::format("{}/{}", kBinDir, program);
}

PgCluster::PgCluster(int nodes, PgClusterOptions options) : options_(std::move(options)) {
    if (nodes < 1)
        throw std::invalid_argument("PgCluster needs at least one node");
    // pg_ctl leaves the postmaster orphaned; as subreaper we inherit it, so a stopped server is
    // reaped here rather than staying a zombie whose pid "still exists".
    become_subreaper();
    dir_ = make_postgres_dir("pgwarden-test");
    try {
        init_primary();
        first_start(1);
        for (int i = 2; i <= nodes; ++i) {
            PgNode& standby = make_node();
            base_backup(standby.id, 1);
            first_start(standby.id);
        }
        for (int i = 2; i <= nodes; ++i)
            wait_streaming(i, 1);
    } catch (...) {
        teardown(true);
        throw;
    }
}

PgCluster::~PgCluster() {
    teardown(std::uncaught_exceptions() > 0);
}

const PgNode& PgCluster::node(int i) const {
    if (i < 1 || i > size())
        throw std::out_of_range(
            fmt::format("node {} does not exist: the cluster in {} has "
                        "nodes 1..{}",
                        i, dir_, size()));
    return nodes_[static_cast<std::size_t>(i - 1)];
}

PgNode& PgCluster::make_node() {
    PgNode n;
    n.id = size() + 1;
    n.name = fmt::format("node{}", n.id);
    n.node_dir = fmt::format("{}/{}", dir_, n.name);
    n.data_dir = n.node_dir + "/data";
    n.log_file = n.node_dir + "/postgresql.log";
    make_private_dir(n.node_dir);
    nodes_.push_back(std::move(n));
    return nodes_.back();
}

void PgCluster::init_primary() {
    const PgNode& primary = make_node();
    std::vector<std::string> argv = {pg_bin("initdb"), "-A",
                                     "trust",          "-U",
                                     "postgres",       "-E",
                                     "UTF8",           "--locale=C",
                                     "--no-sync",      "--no-instructions"};
    if (options_.data_checksums)
        argv.push_back("--data-checksums");
    try {
        make_data_directory(primary.data_dir, argv, kInitdbTimeout);
    } catch (const std::runtime_error& e) {
        fail(1, e.what());
    }

    std::string conf = fmt::format(kTestConf, fmt::arg("socket_dir", dir_));
    for (const auto& line : options_.extra_conf)
        conf += line + "\n";
    write_file(primary.data_dir + "/postgresql.conf", conf, std::ios::app);
    std::string hba;
    for (const auto& line : options_.extra_hba)
        hba += line + "\n";
    write_file(primary.data_dir + "/pg_hba.conf", hba + kTestHba);
}

void PgCluster::base_backup(int i, int upstream) {
    const PgNode& n = node(i);
    auto result = run_command(
        {pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", std::to_string(node(upstream).port),
         "-U", "postgres", "-D", n.data_dir, "-X", "stream", "-c", "fast", "--no-sync", "-R"},
        timeout() + kPgCtlSlack, true);
    if (!result.ok())
        fail(i,
             fmt::format("base backup from {} failed: {}", node(upstream).name, result.describe()));
    set_upstream(i, upstream);
}

bool PgCluster::pg_ctl_start(int i) {
    const PgNode& n = node(i);
    auto result =
        run_command({pg_bin("pg_ctl"), "-D", n.data_dir, "-o", fmt::format("-p {}", n.port), "-l",
                     n.log_file, "-w", "-t", std::to_string(options_.timeout.count()), "start"},
                    timeout() + kPgCtlSlack, true);
    return result.ok();
}

void PgCluster::first_start(int i) {
    PgNode& n = nodes_[static_cast<std::size_t>(i - 1)];
    for (int attempt = 1; attempt <= kPortAttempts; ++attempt) {
        n.port = free_tcp_port();
        std::error_code ec;
        auto log_size = fs::exists(n.log_file) ? fs::file_size(n.log_file, ec) : 0;
        if (pg_ctl_start(i))
            return;
        // Only this attempt's part of the log tells whether the port was the problem.
        std::string log = file_contents(n.log_file);
        if (log.find("Address already in use", std::min<std::size_t>(log_size, log.size())) ==
            std::string::npos)
            fail(i, "pg_ctl start failed");
        fmt::print(stderr, "{}: port {} was taken before PostgreSQL could bind it; retrying\n",
                   n.name, n.port);
    }
    fail(i, fmt::format("no free port after {} attempts", kPortAttempts));
}

void PgCluster::start(int i) {
    if (running(i))
        return;
    if (!pg_ctl_start(i))
        fail(i, "pg_ctl start failed");
}

void PgCluster::stop(int i, const std::string& mode) {
    auto pid = postmaster_pid(i);
    if (!pid)
        return;
    auto result = run_command({pg_bin("pg_ctl"), "-D", node(i).data_dir, "-m", mode, "-w", "-t",
                               std::to_string(options_.timeout.count()), "stop"},
                              timeout() + kPgCtlSlack, true);
    if (!result.ok())
        fail(i, result.describe());
    if (!wait_until([&] { return process_gone(*pid); }, kTeardownKill, kPoll))
        fail(i, fmt::format("postmaster {} still exists after pg_ctl stop", *pid));
}

void PgCluster::restart(int i) {
    stop(i);
    start(i);
}

void PgCluster::kill9(int i) {
    auto pid = postmaster_pid(i);
    if (!pid)
        fail(i, "kill9: the node is not running");
    std::vector<pid_t> pids = children_of(*pid);
    pids.push_back(*pid);
    kill(*pid, SIGKILL);
    // Its children notice the postmaster's death and exit; until they have, a new postmaster
    // would refuse the still-attached shared memory.
    const int port = node(i).port;
    if (!wait_until([&] { return all_gone(pids) && port_is_free(port); }, timeout(), kPoll))
        fail(i, fmt::format("after SIGKILL to postmaster {}, its processes or port {} are still "
                            "there",
                            *pid, port));
}

void PgCluster::promote(int i) {
    auto result = run_command({pg_bin("pg_ctl"), "-D", node(i).data_dir, "-w", "-t",
                               std::to_string(options_.timeout.count()), "promote"},
                              timeout() + kPgCtlSlack, true);
    if (!result.ok())
        fail(i, result.describe());
}

std::optional<pid_t> PgCluster::postmaster_pid(int i) const {
    std::ifstream in(node(i).data_dir + "/postmaster.pid");
    long pid = 0;
    if (!(in >> pid) || pid <= 0)
        return std::nullopt;
    // After a kill9 the file stays behind; make sure the pid is still a postgres process.
    if (process_gone(static_cast<pid_t>(pid)))
        return std::nullopt;
    std::string comm = strip_newline(file_contents(fmt::format("/proc/{}/comm", pid)));
    if (comm != "postgres" && comm != "postmaster")
        return std::nullopt;
    return static_cast<pid_t>(pid);
}

bool PgCluster::running(int i) const {
    return postmaster_pid(i).has_value();
}

int PgCluster::add_standby(int upstream) {
    node(upstream);  // validate before creating anything
    const int i = make_node().id;
    base_backup(i, upstream);
    first_start(i);
    wait_streaming(i, upstream);
    return i;
}

void PgCluster::set_upstream(int i, int upstream) {
    const PgNode& n = node(i);
    const std::string auto_conf = n.data_dir + "/postgresql.auto.conf";
    std::istringstream old(file_contents(auto_conf));
    std::string kept, line;
    while (std::getline(old, line)) {
        auto start = line.find_first_not_of(" \t");
        if (start != std::string::npos && line.compare(start, 16, "primary_conninfo") == 0)
            continue;
        kept += line + "\n";
    }
    kept += fmt::format(
        "primary_conninfo = 'host=127.0.0.1 port={} user=postgres application_name={} "
        "connect_timeout=2'\n",
        node(upstream).port, n.name);
    write_file(auto_conf, kept);
    write_file(n.data_dir + "/standby.signal", "");
}

void PgCluster::follow(int i, int upstream) {
    set_upstream(i, upstream);
    if (running(i))
        restart(i);
    else
        start(i);
    wait_streaming(i, upstream);
}

void PgCluster::rewind(int i, int source) {
    if (running(i))
        fail(i, "pg_rewind needs the target stopped; call stop() first");
    // A just-promoted source still shows its old timeline in pg_control until its first
    // checkpoint, and pg_rewind would then answer "no rewind required".
    psql(source, "CHECKPOINT");
    auto result = run_command({pg_bin("pg_rewind"), "--target-pgdata", node(i).data_dir,
                               "--source-server", node(source).conninfo(), "--no-sync"},
                              timeout() + kPgCtlSlack, true);
    if (!result.ok())
        fail(i, fmt::format("pg_rewind from {} failed: {}", node(source).name, result.describe()));
    set_upstream(i, source);
}

void PgCluster::wait_streaming(int standby, int upstream, milliseconds timeout) {
    const auto sender_sql = fmt::format(
        "SELECT state FROM pg_stat_replication WHERE application_name = '{}'", node(standby).name);
    std::string last = "(no answer yet)";
    // Both ends, and the same timeline: a standby that cannot follow a timeline switch re-reads
    // the old timeline every second, and is briefly "streaming" each time.
    bool streaming = wait_until(
        [&] {
            try {
                auto sender = psql(upstream, sender_sql);
                auto receiver = psql(standby, kReceiverSql);
                auto timeline = psql(upstream, kCurrentTimelineSql);
                last = fmt::format(
                    "walsender on {}: '{}'; walreceiver on {}: '{}'; {} is on "
                    "timeline {}",
                    node(upstream).name, sender, node(standby).name, receiver, node(upstream).name,
                    timeline);
                return sender == "streaming" && receiver == "streaming on timeline " + timeline;
            } catch (const std::runtime_error& e) {
                last = e.what();
                return false;
            }
        },
        timeout, kPoll * 2);
    if (!streaming)
        fail(standby, fmt::format("not streaming from {} within {} ms; last seen: {}",
                                  node(upstream).name, timeout.count(), last));
}

void PgCluster::wait_caught_up(int standby, int upstream, milliseconds timeout) {
    const auto target = psql(upstream,
                             "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
                             "ELSE pg_current_wal_lsn() END");
    wait_for_result(standby, fmt::format("SELECT pg_last_wal_replay_lsn() >= '{}'", target), "t",
                    timeout);
}

std::string PgCluster::psql(int i, const std::string& sql, const std::string& dbname) const {
    const PgNode& n = node(i);
    auto result = run_command(
        {pg_bin("psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", n.conninfo(dbname), "-c", sql},
        kPsqlTimeout);
    if (!result.ok())
        throw std::runtime_error(fmt::format("psql on {} ({}) failed: {}", n.name,
                                             n.conninfo(dbname), result.describe()));
    return strip_newline(result.out);
}

bool PgCluster::is_in_recovery(int i) const {
    return psql(i, "SELECT pg_is_in_recovery()") == "t";
}

void PgCluster::wait_for_result(int i, const std::string& sql, const std::string& expected,
                                milliseconds timeout) const {
    std::string last = "(no answer yet)";
    bool done = wait_until(
        [&] {
            try {
                last = psql(i, sql);
                return last == expected;
            } catch (const std::runtime_error& e) {
                last = e.what();
                return false;
            }
        },
        timeout, kPoll * 2);
    if (!done)
        fail(i, fmt::format("`{}` did not return '{}' within {} ms; last answer: {}", sql, expected,
                            timeout.count(), last));
}

std::string PgCluster::log_tail(int i, std::size_t lines) const {
    return tail_file(node(i).log_file, lines);
}

void PgCluster::fail(int i, const std::string& what) const {
    const PgNode& n = node(i);
    throw std::runtime_error(fmt::format("{} (port {}, {}): {}\nlast lines of {}:\n{}", n.name,
                                         n.port, n.data_dir, what, n.log_file, log_tail(i)));
}

void PgCluster::teardown(bool failed) noexcept {
    try {
        // Ask every node to stop at once (-W: don't wait), then wait for all of them together.
        std::vector<pid_t> postmasters;
        for (int i = 1; i <= size(); ++i) {
            auto pid = postmaster_pid(i);
            if (!pid)
                continue;
            postmasters.push_back(*pid);
            run_command({pg_bin("pg_ctl"), "-D", node(i).data_dir, "-m", "immediate", "-W", "stop"},
                        kTeardownStop, true);
        }
        if (!wait_until([&] { return all_gone(postmasters); }, kTeardownStop, kPoll)) {
            for (pid_t pid : postmasters) {
                if (process_gone(pid))
                    continue;
                std::vector<pid_t> group = children_of(pid);
                group.push_back(pid);
                for (pid_t p : group)
                    kill(p, SIGKILL);
                if (!wait_until([&] { return all_gone(group); }, kTeardownKill, kPoll))
                    fmt::print(stderr, "warning: postmaster {} of {} survived SIGKILL\n", pid,
                               dir_);
            }
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "warning: stopping the test cluster in {} failed: {}\n", dir_, e.what());
    }
    if (dir_.empty())
        return;
    const char* keep = std::getenv("PGWARDEN_KEEP_TEST_DIRS");
    const std::string keep_mode = keep ? keep : "";
    if ((keep_mode == "1" && failed) || keep_mode == "always") {
        fmt::print(stderr, "PGWARDEN_KEEP_TEST_DIRS: kept the test cluster in {}\n", dir_);
        return;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec)
        fmt::print(stderr, "warning: could not remove {}: {}\n", dir_, ec.message());
}

}  // namespace pgwarden::test
