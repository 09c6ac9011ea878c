// A throw-away PostgreSQL 15 cluster for integration tests: node1 the primary, node2..nodeN
// streaming standbys, all on free loopback ports in one private directory under /tmp.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::test {

struct PgClusterOptions {
    // Lines appended to node1's postgresql.conf before its first start (standbys inherit them
    // through pg_basebackup), e.g. "shared_preload_libraries = 'repmgr'".
    std::vector<std::string> extra_conf;
    // Lines placed before the harness's own pg_hba.conf rules (first match wins).
    std::vector<std::string> extra_hba;
    // Bound for each start, stop, promote, base backup and streaming wait.
    std::chrono::seconds timeout{60};
    bool data_checksums = false;
};

struct PgNode {
    int id = 0;            // 1-based, as in node(i)
    std::string name;      // "node1"; also the standby's application_name
    int port = 0;          // never written into the data directory: given to pg_ctl -o "-p"
    std::string node_dir;  // <cluster dir>/node1
    std::string data_dir;  // <cluster dir>/node1/data
    std::string log_file;  // <cluster dir>/node1/postgresql.log (outside PGDATA: never copied)

    // "host=127.0.0.1 port=N user=postgres dbname=<dbname> connect_timeout=2"
    std::string conninfo(const std::string& dbname = "postgres") const;
};

// Everything the constructor starts, the destructor stops (pg_ctl stop -m immediate, then
// SIGKILL to what we started if that does not work) before removing the directory, also when
// the test failed or the constructor threw half-way. Set PGWARDEN_KEEP_TEST_DIRS=1 to keep the
// directory (logs, data) when the cluster is destroyed during a failure (an exception in
// flight, e.g. a failed REQUIRE), or =always to keep it every time; the path is printed.
//
// Methods throw std::runtime_error with the node, the command and the tail of the node's log
// when something does not happen within its bound. Node indexes are 1-based.
class PgCluster {
  public:
    static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
    static std::string pg_bin(const std::string& program);  // kBinDir + "/" + program

    // initdb node1, start it, then base-backup, start and wait for `nodes - 1` standbys of it.
    explicit PgCluster(int nodes, PgClusterOptions options = {});
    ~PgCluster();
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;

    int size() const { return static_cast<int>(nodes_.size()); }
    const PgNode& node(int i) const;
    const std::string& dir() const { return dir_; }
    const PgClusterOptions& options() const { return options_; }

    // --- server lifecycle (pg_ctl, run as the postgres OS user) ---
    void start(int i);                                   // pg_ctl start -w
    void stop(int i, const std::string& mode = "fast");  // no-op when not running
    void restart(int i);                                 // fast stop, then start
    // SIGKILL to the postmaster, then waits until it and its children are gone and its port
    // is free, leaving a crashed data directory behind (as a power cut would).
    void kill9(int i);
    void promote(int i);  // pg_ctl promote -w
    bool running(int i) const;
    std::optional<pid_t> postmaster_pid(int i) const;  // from postmaster.pid, if running

    // --- replication ---
    // A new standby of `upstream` (cascading when upstream is a standby); returns its index.
    int add_standby(int upstream);
    // Makes node i a standby of `upstream` on its next start: standby.signal, and
    // primary_conninfo (with application_name=node<i>) in postgresql.auto.conf. No restart.
    void set_upstream(int i, int upstream);
    // set_upstream + restart (or start, if stopped) + wait_streaming: the "repoint" step.
    void follow(int i, int upstream);
    // pg_rewind of stopped node i from running node `source`, then set_upstream(i, source)
    // (pg_rewind copies the source's own primary_conninfo). Does not start node i.
    void rewind(int i, int source);
    // Waits until `upstream`'s pg_stat_replication shows node<standby> streaming.
    void wait_streaming(int standby, int upstream, std::chrono::milliseconds timeout);
    void wait_streaming(int standby, int upstream) { wait_streaming(standby, upstream, timeout()); }
    // Waits until `standby` has replayed all the WAL `upstream` had when this was called (e.g.
    // before crashing a primary, so every standby can follow whichever is promoted).
    void wait_caught_up(int standby, int upstream, std::chrono::milliseconds timeout);
    void wait_caught_up(int standby, int upstream) { wait_caught_up(standby, upstream, timeout()); }

    // --- SQL ---
    // psql -X -At on node i; returns stdout without the final newline; throws with psql's stderr.
    std::string psql(int i, const std::string& sql, const std::string& dbname = "postgres") const;
    bool is_in_recovery(int i) const;
    // Polls psql(i, sql) until it returns `expected` (errors count as "not yet"); throws with
    // the last answer or error after `timeout`.
    void wait_for_result(int i, const std::string& sql, const std::string& expected,
                         std::chrono::milliseconds timeout) const;
    void wait_for_result(int i, const std::string& sql, const std::string& expected) const {
        wait_for_result(i, sql, expected, timeout());
    }

    std::string log_tail(int i, std::size_t lines = 30) const;

  private:
    std::chrono::milliseconds timeout() const { return options_.timeout; }
    PgNode& make_node();
    void init_primary();
    void first_start(int i);  // start on a fresh port, retrying when the port was taken
    void base_backup(int i, int upstream);
    bool pg_ctl_start(int i);
    void teardown(bool failed) noexcept;
    [[noreturn]] void fail(int i, const std::string& what) const;

    PgClusterOptions options_;
    std::string dir_;
    std::vector<PgNode> nodes_;
};

}  // namespace pgwarden::test
