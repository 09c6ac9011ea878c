#include "cluster/daemon_state_store.hpp"

namespace pgwarden::cluster {

PrimaryLookup open_into(std::optional<pg::Connection>& slot,
                        std::function<std::optional<pg::Connection>()> open) {
    return [&slot, open = std::move(open)]() -> pg::Connection* {
        slot = open();
        return slot ? &*slot : nullptr;
    };
}

bool ExtensionStateStore::is_paused(int) {
    return daemon_paused(local_);
}

std::optional<bool> ExtensionStateStore::daemon_running(int) {
    return cluster::daemon_running(local_).value_or(false);
}

std::optional<int> ExtensionStateStore::seconds_since_upstream_seen(int) {
    return cluster::seconds_since_upstream_seen(local_);
}

// The extension's shared memory is the server's: a restart under a running daemon (a follow, a
// rejoin in a switchover) forgets the PID, and "repmgr service status" then says the daemon does
// not run. repmgrd_is_running() checks the process itself.
bool ExtensionStateStore::needs_pid(int) {
    return cluster::daemon_running(local_) != true;
}

std::optional<int> ExtensionStateStore::announced_new_primary() {
    return cluster::announced_new_primary(local_);
}

void ExtensionStateStore::publish_local_node_id(int node_id) {
    cluster::publish_local_node_id(local_, node_id);
}

void ExtensionStateStore::publish_pid(int node_id, std::optional<int> pid,
                                      const std::string& pid_file) {
    // Forgotten with the PID on a restart; the extension keeps the first one it is given.
    if (pid)
        cluster::publish_local_node_id(local_, node_id);
    publish_daemon_pid(local_, pid, pid_file);
}

void ExtensionStateStore::publish_upstream_node_id(int upstream_node_id) {
    cluster::publish_upstream_node_id(local_, upstream_node_id);
}

void ExtensionStateStore::note_upstream_seen(int, int upstream_node_id) {
    publish_upstream_seen(local_, upstream_node_id);
}

// Shared memory dies with its daemon's node: nothing goes stale.
void ExtensionStateStore::heartbeat(int) {}

void ExtensionStateStore::set_paused(int, bool paused) {
    set_daemon_paused(local_, paused);
}

bool ExtensionStateStore::announce_new_primary(int primary_node_id) {
    cluster::announce_new_primary(local_, primary_node_id);
    return true;
}

void ExtensionStateStore::reset_announcement() {
    cluster::reset_announcement(local_);
}

const std::optional<TableStatus>& TableStateStore::row(int node_id) {
    auto found = rows_.find(node_id);
    if (found == rows_.end())
        found = rows_.emplace(node_id, table_status(local_, node_id)).first;
    return found->second;
}

pg::Connection* TableStateStore::primary() {
    if (!looked_up_) {
        looked_up_ = true;
        primary_ = lookup_ ? lookup_() : nullptr;
    }
    return primary_;
}

bool TableStateStore::is_paused(int node_id) {
    const auto& status = row(node_id);
    return status && status->paused;
}

// Rows stop changing when the primary dies: a PID there is a daemon that ran, and "upstream
// seen" is the last write it managed on the primary.
std::optional<bool> TableStateStore::daemon_running(int node_id) {
    const auto& status = row(node_id);
    if (!status)
        return std::nullopt;
    return status->pid.has_value();
}

std::optional<int> TableStateStore::seconds_since_upstream_seen(int node_id) {
    const auto& status = row(node_id);
    return status ? status->seconds_since_upstream_seen : std::nullopt;
}

bool TableStateStore::needs_pid(int node_id) {
    const auto& status = row(node_id);
    return !status || !status->pid;
}

void TableStateStore::publish_pid(int node_id, std::optional<int> pid,
                                  const std::string& pid_file) {
    if (auto* conn = primary())
        table_publish_pid(*conn, node_id, pid, pid_file);
}

void TableStateStore::note_upstream_seen(int node_id, int upstream_node_id) {
    if (auto* conn = primary())
        table_heartbeat(*conn, node_id, upstream_node_id);
}

void TableStateStore::heartbeat(int node_id) {
    if (auto* conn = primary())
        table_heartbeat(*conn, node_id, std::nullopt);
}

void TableStateStore::set_paused(int node_id, bool paused) {
    if (auto* conn = primary())
        table_set_paused(*conn, node_id, paused);
}

std::unique_ptr<DaemonStateStore> open_state_store(pg::Connection& local, PrimaryLookup primary) {
    switch (state_store(local)) {
        case StateStore::extension:
            return std::make_unique<ExtensionStateStore>(local);
        case StateStore::table:
            return std::make_unique<TableStateStore>(local, std::move(primary));
        case StateStore::none:
            break;
    }
    return std::make_unique<NoStateStore>();
}

}  // namespace pgwarden::cluster
