// One interface for what a failover daemon publishes about itself and reads of other daemons,
// whichever place a node keeps it in: the repmgr extension's shared memory, the table
// repmgr.daemon_status (on the primary), or nowhere (a node without metadata). The daemon's steps
// take a DaemonStateStore&, so unit tests hand them one kept in memory.
#pragma once

#include "cluster/daemon_state.hpp"
#include "pg/connection.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace pgwarden::cluster {

// Reads go through the connection the store was opened on. `node_id` names the daemon asked
// about: the table holds every node's row (as this node's copy has it); the extension knows only
// the daemon of the node it is opened on. Every operation may throw pg::PgError.
class DaemonStateStore {
  public:
    virtual ~DaemonStateStore() = default;

    // Whether node_id's daemon is paused (`service pause`); false when unknown.
    virtual bool is_paused(int node_id) = 0;
    // Whether a daemon runs for node_id; nothing when the store cannot say.
    virtual std::optional<bool> daemon_running(int node_id) = 0;
    // Seconds since node_id's daemon last reached its upstream; nothing when unknown.
    virtual std::optional<int> seconds_since_upstream_seen(int node_id) = 0;
    // Whether node_id's PID has to be published again because the store lost it or never had it.
    virtual bool needs_pid(int node_id) = 0;
    // The node a promoted sibling told this node to follow (notify_follow_primary), if any.
    virtual std::optional<int> announced_new_primary() = 0;

    // Whether every node's state is kept in one place, on the primary, instead of in each node's
    // own shared memory (which is what repmgr's tools read).
    virtual bool kept_on_primary() const = 0;
    // Whether writes can be made now: false only when they go to a primary out of reach.
    virtual bool writable() = 0;

    // Writes; where the primary is out of reach they are dropped (see writable()).
    virtual void publish_local_node_id(int node_id) = 0;
    // A PID (nothing: the daemon stopped) and its PID file.
    virtual void publish_pid(int node_id, std::optional<int> pid, const std::string& pid_file) = 0;
    virtual void publish_upstream_node_id(int upstream_node_id) = 0;
    // node_id's daemon reached upstream_node_id just now (and is alive).
    virtual void note_upstream_seen(int node_id, int upstream_node_id) = 0;
    // node_id's daemon is alive; only a table, whose rows outlive their daemon, needs this.
    virtual void heartbeat(int node_id) = 0;
    virtual void set_paused(int node_id, bool paused) = 0;
    // Tells this node's daemon to follow primary_node_id; false where the store carries no
    // announcements (a new primary is then found by scanning the nodes).
    virtual bool announce_new_primary(int primary_node_id) = 0;
    // Forgets an announcement once it has been acted on.
    virtual void reset_announcement() = 0;
};

// How a store that writes on the primary reaches it: called at most once per store, on the first
// write; nothing when the primary cannot be reached. The connection outlives the store.
using PrimaryLookup = std::function<pg::Connection*()>;

// A PrimaryLookup that opens the primary with `open` into `slot`, where the caller can use it
// again after the store is done (the slot outlives the store).
PrimaryLookup open_into(std::optional<pg::Connection>& slot,
                        std::function<std::optional<pg::Connection>()> open);

// The extension's shared-memory functions on `local`, as repmgrd uses them.
class ExtensionStateStore final : public DaemonStateStore {
  public:
    explicit ExtensionStateStore(pg::Connection& local) : local_(local) {}

    bool is_paused(int node_id) override;
    std::optional<bool> daemon_running(int node_id) override;
    std::optional<int> seconds_since_upstream_seen(int node_id) override;
    bool needs_pid(int node_id) override;
    std::optional<int> announced_new_primary() override;
    bool kept_on_primary() const override { return false; }
    bool writable() override { return true; }
    void publish_local_node_id(int node_id) override;
    void publish_pid(int node_id, std::optional<int> pid, const std::string& pid_file) override;
    void publish_upstream_node_id(int upstream_node_id) override;
    void note_upstream_seen(int node_id, int upstream_node_id) override;
    void heartbeat(int node_id) override;
    void set_paused(int node_id, bool paused) override;
    bool announce_new_primary(int primary_node_id) override;
    void reset_announcement() override;

  private:
    pg::Connection& local_;
};

// repmgr.daemon_status: read from `local`'s copy, written on the primary `primary` finds.
class TableStateStore final : public DaemonStateStore {
  public:
    TableStateStore(pg::Connection& local, PrimaryLookup primary)
        : local_(local), lookup_(std::move(primary)) {}

    bool is_paused(int node_id) override;
    std::optional<bool> daemon_running(int node_id) override;
    std::optional<int> seconds_since_upstream_seen(int node_id) override;
    bool needs_pid(int node_id) override;
    std::optional<int> announced_new_primary() override { return std::nullopt; }
    bool kept_on_primary() const override { return true; }
    bool writable() override { return primary() != nullptr; }
    void publish_local_node_id(int) override {}
    void publish_pid(int node_id, std::optional<int> pid, const std::string& pid_file) override;
    void publish_upstream_node_id(int) override {}
    void note_upstream_seen(int node_id, int upstream_node_id) override;
    void heartbeat(int node_id) override;
    void set_paused(int node_id, bool paused) override;
    bool announce_new_primary(int) override { return false; }
    void reset_announcement() override {}

  private:
    // node_id's row, read once per store: a check asks several questions of the same row.
    const std::optional<TableStatus>& row(int node_id);
    pg::Connection* primary();

    pg::Connection& local_;
    PrimaryLookup lookup_;
    pg::Connection* primary_ = nullptr;
    bool looked_up_ = false;
    std::map<int, std::optional<TableStatus>> rows_;
};

// A node without the metadata: nothing is kept and nothing is known.
class NoStateStore final : public DaemonStateStore {
  public:
    bool is_paused(int) override { return false; }
    std::optional<bool> daemon_running(int) override { return std::nullopt; }
    std::optional<int> seconds_since_upstream_seen(int) override { return std::nullopt; }
    bool needs_pid(int) override { return false; }
    std::optional<int> announced_new_primary() override { return std::nullopt; }
    bool kept_on_primary() const override { return false; }
    bool writable() override { return true; }
    void publish_local_node_id(int) override {}
    void publish_pid(int, std::optional<int>, const std::string&) override {}
    void publish_upstream_node_id(int) override {}
    void note_upstream_seen(int, int) override {}
    void heartbeat(int) override {}
    void set_paused(int, bool) override {}
    bool announce_new_primary(int) override { return false; }
    void reset_announcement() override {}
};

// The store `local` keeps its daemon's state in (state_store(), asked once). `primary` is only
// used by the table; without one its writes are dropped. `local` outlives the store. Never throws.
std::unique_ptr<DaemonStateStore> open_state_store(pg::Connection& local,
                                                   PrimaryLookup primary = {});

}  // namespace pgwarden::cluster
