// pgwardend's view of the cluster for `cluster matrix` and `cluster crosscheck` without ssh
// (cluster/node_views.hpp): every kSweepInterval, one bounded connection attempt to each node in
// repmgr.nodes, all at once and without blocking the loop (names looked up off it, libpq
// non-blocking), then the view published in the local node's pg_stat_activity.
#pragma once

#include "cluster/node_views.hpp"
#include "config/repmgr_config.hpp"
#include "pg/async_connection.hpp"
#include "pg/host_resolver.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pgwarden::daemon {

// As often as repmgr's operators would run `cluster matrix` by hand in a partition, and rare
// enough that N daemons add only N connections per node every 10 s; a row is stale after three
// (cluster::kViewFreshSecs), so one slow or skipped sweep does not blank it.
inline constexpr std::chrono::seconds kSweepInterval{10};

// One conversation with a node on the loop: look up its names, connect with daemon_conninfo,
// run one statement, close (or keep the connection for more). Bounded by the caller's limit,
// which libpq's non-blocking connect, ignoring connect_timeout, does not give. Reports once.
class NodeConversation {
  public:
    // `connected`: the node accepted the connection; `result`: the statement's, empty when it
    // failed or the limit passed first.
    using Done = std::function<void(bool connected, pg::Result result)>;

    explicit NodeConversation(boost::asio::io_context& io);
    ~NodeConversation() { *alive_ = false; }
    NodeConversation(const NodeConversation&) = delete;
    NodeConversation& operator=(const NodeConversation&) = delete;

    // Drops any conversation in flight (its `done` is never called) and starts this one.
    void run(const std::string& conninfo, const std::string& sql, std::chrono::seconds limit,
             Done done, bool keep_open = false);
    // Another statement on the connection run() kept open; only when connected() and !busy().
    void query(const std::string& sql, std::chrono::seconds limit, Done done);
    void cancel();
    bool connected() const { return conn_.connected(); }
    bool busy() const { return static_cast<bool>(done_); }

  private:
    void arm(std::chrono::seconds limit);
    // Whether a completion of `attempt` is dropped: a later attempt runs, or `error` ended this
    // one (not connected).
    bool ended(std::uint64_t attempt, const std::string& error);
    void send(const std::string& sql);
    void finish(bool connected, pg::Result result);

    pg::HostResolver resolver_;
    pg::AsyncConnection conn_;
    boost::asio::steady_timer timer_;
    Done done_;
    bool keep_open_ = false;
    bool connected_ = false;
    std::uint64_t attempt_ = 0;  // late completions of a dropped attempt find another number
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The sweep runs on a thread and io_context of its own: its name lookups (Asio's resolver runs
// one at a time per io_context) and handlers can then never hold up the failover loop's, e.g.
// the upstream watch's lookup behind a node name whose DNS server does not answer, and a throw
// in it is logged there and costs that sweep only. The loop's timer starts each sweep with the
// settings it reads from the loop's config, so a reload takes effect at the next one.
class ViewSweep {
  public:
    ViewSweep(boost::asio::io_context& io, const config::RepmgrConfig& config);
    ~ViewSweep() { stop(); }
    ViewSweep(const ViewSweep&) = delete;
    ViewSweep& operator=(const ViewSweep&) = delete;

    // The first sweep now, then one every kSweepInterval. On the loop's thread.
    void start();
    // Ends the sweeps, their thread and the view's session: the view is gone with the daemon.
    // On the loop's thread.
    void stop();

  private:
    struct Settings {
        int node_id = 0;
        std::string conninfo;
    };
    // On the loop's thread.
    void later();
    void post_sweep();
    // The rest on the sweep's thread.
    void run_thread();
    void sweep(Settings settings);
    void on_nodes(bool connected, const pg::Result& result);
    void on_node(int node_id, const pg::Result& result, bool connected);
    void publish();
    void cancel_all();
    // A throw in a sweep's handler costs the sweep, never the daemon's failover monitoring.
    template <typename Handler>
    void safely(Handler handler);

    const config::RepmgrConfig& config_;  // read on the loop's thread only
    boost::asio::steady_timer timer_;     // the loop's
    std::thread thread_;
    // Everything below belongs to the sweep's thread.
    boost::asio::io_context sweep_io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    NodeConversation list_;  // repmgr.nodes and track_activity_query_size, on the local node
    std::map<int, std::unique_ptr<NodeConversation>> nodes_;  // kept: a hung lookup stays one
    NodeConversation view_;  // the local session whose last query is the view
    std::string view_conninfo_;

    // The sweep in progress.
    Settings settings_;
    bool running_ = false;
    std::vector<int> ids_;
    std::size_t pending_ = 0;
    cluster::ViewRow own_;
    std::vector<cluster::ViewRow> relayed_;
    int query_size_ = 1024;
    // Said once until it changes, not every 10 s.
    bool said_relayed_dropped_ = false;
    bool said_unfit_ = false;
    bool stopped_ = true;  // the loop's
};

}  // namespace pgwarden::daemon
