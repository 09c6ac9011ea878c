// A RepmgrCluster with one pgwardend per node: the failover tests' fixture. Writes repmgrd's
// settings into each node's repmgr.conf, starts and stops the daemons, and reads what they did.
#pragma once

#include "child_process.hpp"
#include "repmgr_cluster.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::test {

// Which program the daemons run as promote_command and follow_command.
enum class FailoverCommands { pgwarden, repmgr };

// A pgwarden.ini for a test's pgwardend in `dir` (owned by postgres): the lease in `dir`, fencing
// with fence-action probe (the lease only, so a test that stops standbys keeps a writable
// primary), a 3 s fence timeout and a 1 s margin; `extra` lines are appended to [daemon].
std::string daemon_test_ini(const std::string& dir, const std::vector<std::string>& extra = {});

struct DaemonClusterOptions {
    int nodes = 3;
    // false: the repmgr library is not preloaded, so the extension's functions do not work and
    // the daemons keep their state in repmgr.daemon_status.
    bool preload_repmgr = true;
    // Lines appended to node1's postgresql.conf before its first start (the standbys inherit
    // them), e.g. "wal_log_hints = on" for pg_rewind.
    std::vector<std::string> postgresql_conf;
    FailoverCommands commands = FailoverCommands::pgwarden;
    // Lines appended to node i's repmgr.conf after the defaults (the last value of a key wins).
    // `priority` and `location` are also written to the node's record: the nodes are registered
    // before these lines exist, and the daemons read both from the metadata, as repmgrd does.
    std::function<std::vector<std::string>(int node)> extra_conf;
    // pgwarden.ini [daemon] lines for node i, after the harness's fencing defaults (fence-action
    // probe: the lease only, so tests that stop standbys keep a writable primary; a 3 s fence
    // timeout and a 1 s margin, so failovers wait 4 s for the old lease).
    std::function<std::vector<std::string>(int node)> daemon_ini;
    // service_start_command and service_stop_command that start and stop node i as the harness
    // does (its port is not in the data directory, its log is a file): for the tests in which a
    // pgwarden command or a daemon starts or stops a server itself (a switchover).
    bool server_commands = false;
};

class DaemonCluster {
  public:
    // The daemons' bound for stopping on SIGTERM before they are SIGKILLed.
    static constexpr std::chrono::seconds kStopGrace{10};

    // Registers the nodes and writes the configs; starts no daemon.
    explicit DaemonCluster(DaemonClusterOptions options = {});
    // Stops every daemon still running (SIGTERM, SIGKILL after kStopGrace), before the servers.
    ~DaemonCluster();
    DaemonCluster(const DaemonCluster&) = delete;
    DaemonCluster& operator=(const DaemonCluster&) = delete;

    PgCluster& cluster() { return repmgr_.cluster; }
    // Where node i's pgwardend writes the lease its probe reads.
    std::string lease_file(int i) const;
    const RepmgrCluster& repmgr() const { return repmgr_; }
    const std::string& conf(int i) const { return repmgr_.conf(i); }

    // pgwardend -f <conf> --daemonize=false --no-pid-file, as postgres; waits (bounded) until it
    // logged that monitoring started, and throws with its log otherwise.
    void start_daemon(int i);
    void start_daemons();
    // SIGTERM, then SIGKILL after kStopGrace; returns the exit status (-1 if never started).
    int stop_daemon(int i);
    std::optional<pid_t> daemon_pid(int i);
    bool daemon_running(int i);

    // node i's daemon log (log_file and anything it wrote to stdout/stderr).
    std::string daemon_log(int i) const;
    // Every daemon's log with a header each: for INFO() when an assertion fails.
    std::string all_logs() const;
    // The lines the event_notification_command wrote on node i: "<node_id> <event> <1|0>".
    std::vector<std::string> notifications(int i) const;
    bool notified(int i, const std::string& line) const;

    // Polls until node i accepts connections and is not in recovery.
    bool wait_primary(int i, std::chrono::milliseconds timeout);
    // PgCluster::wait_streaming as a bool; `why` gets the reason on failure.
    bool wait_streaming(int standby, int upstream, std::chrono::milliseconds timeout,
                        std::string* why = nullptr);
    // repmgr.events rows read on node i as "node_id:event:t|f", oldest first.
    std::vector<std::string> events(int i) const;
    bool has_event(int i, int node_id, const std::string& event) const;
    // Polls events(i) until the row "node_id:event:" appears (successful or not).
    bool wait_event(int i, int node_id, const std::string& event,
                    std::chrono::milliseconds timeout) const;

  private:
    std::string ini_path(int i) const;
    std::vector<std::string> settings(int i) const;

    DaemonClusterOptions options_;
    RepmgrCluster repmgr_;
    std::vector<std::optional<ChildProcess>> daemons_;  // index i - 1
};

// Rows of a `cluster show` table keyed by node name: "role|status|upstream", cells trimmed.
std::string show_cells(const std::string& table, const std::string& node_name);

}  // namespace pgwarden::test
