// pgwardend's event loop: one io_context; the failover machines from lib/failover decide, this
// class observes (an idle connection to the upstream that reports a drop at once, checks and
// queries on worker threads) and performs what they decide.
#pragma once

#include "cluster_io.hpp"
#include "startup.hpp"

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "failover/primary_monitor.hpp"
#include "failover/standby_monitor.hpp"
#include "pg/async_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace pgwarden::daemon {

// What the loop needs to know of the process around it.
struct DaemonHooks {
    // Re-reads the configuration file on SIGHUP; throws config::ConfigError when it is bad.
    std::function<config::RepmgrConfig()> reload_config;
    // systemd notifications ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..."); may be empty.
    std::function<void(const std::string&)> notify;
    // The PID file in use ("" without one), for the daemon_status row where there is no extension.
    std::string pid_file;
};

class DaemonLoop {
  public:
    // `node`: this node's record, what the local node said at start and what a standby monitors.
    DaemonLoop(boost::asio::io_context& io, config::RepmgrConfig config, const PreparedNode& node,
               DaemonHooks hooks);
    ~DaemonLoop();

    // Records repmgrd_start and starts monitoring; returns at once (run the io_context).
    void start();
    // SIGHUP: re-read repmgr.conf (rolled back when node_id or node_name changed, or the new
    // conninfo does not connect) and reopen log_file.
    void reload();
    // SIGTERM/SIGINT (code 0) or giving up: record repmgrd_shutdown, then stop the io_context.
    void stop(int code, const std::string& why);
    // 0 after SIGTERM/SIGINT; repmgr's exit code when the daemon gave up.
    int exit_code() const { return exit_code_; }

  private:
    enum class Mode { standby, primary };

    // standby mode
    void begin_standby(const cluster::NodeRecord& upstream);
    void perform(const failover::Action& action);
    void feed(const failover::Observation& observation);
    void watch_upstream();
    // primary mode
    void begin_primary(const std::string& why);
    void perform_primary(const std::vector<failover::Action>& actions);
    void primary_tick();

    void schedule();
    // The actions both machines ask for (events, giving up).
    void perform_either(const failover::Action& action, const char* machine);
    // Every log_status_interval seconds, one line on what the daemon is doing (repmgrd's).
    void log_status_later();
    // Where events go when the local node cannot say where the primary is.
    std::string upstream_conninfo_if_primary() const;
    void record(const std::string& event, bool successful, const std::string& detail);
    // SIGHUP's two endings: the file is refused (the log is reopened all the same), or taken.
    void reject_reload(const std::string& why);
    void apply_reload(config::RepmgrConfig fresh);

    // Runs `work` on a worker thread, then `done(result)` back on the loop (unless stopping).
    template <typename Work, typename Done>
    void background(Work work, Done done);

    boost::asio::io_context& io_;
    config::RepmgrConfig config_;
    // This node's record, but upstream_node_id is the node monitored now (in standby mode).
    cluster::NodeRecord self_;
    // Whether this node's record in repmgr.nodes names an upstream: without one the metadata is
    // stale and the node promotes only with always_promote. Refreshed by each upstream check.
    bool record_has_upstream_;
    DaemonHooks hooks_;
    Mode mode_ = Mode::standby;
    bool start_as_primary_;

    std::optional<failover::StandbyMonitor> standby_;
    std::optional<failover::PrimaryMonitor> primary_;
    std::optional<cluster::NodeRecord> upstream_;
    std::shared_ptr<ElectionLocks> election_locks_;

    boost::asio::thread_pool workers_{4};
    boost::asio::steady_timer timer_;
    boost::asio::steady_timer watch_timer_;
    boost::asio::steady_timer status_timer_;
    pg::AsyncConnection upstream_watch_;
    bool watch_connecting_ = false;
    // Bumped when the upstream changes or its connection drops: results of checks started before
    // are stale and dropped.
    std::uint64_t check_generation_ = 0;
    bool looking_for_primary_ = false;
    // Bumped by every SIGHUP: a slower conninfo test of an earlier one is dropped.
    std::uint64_t reload_generation_ = 0;
    failover::TimePoint next_witness_sync_{};
    failover::TimePoint upstream_settled_at_{};
    bool stopping_ = false;
    int exit_code_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pgwarden::daemon
