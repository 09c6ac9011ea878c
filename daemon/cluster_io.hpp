// The daemon's blocking conversations with PostgreSQL, each bounded by connect_timeout and a
// statement_timeout: upstream checks, the election's views and lock, finding a new primary,
// notifying siblings, the primary's local and child checks. Run on worker threads, never on the
// event loop; each returns what it saw and never throws.
#pragma once

#include "cluster/daemon_state_store.hpp"
#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "failover/election.hpp"
#include "failover/primary_monitor.hpp"
#include "pg/connection.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgwarden::daemon {

// The application_name of the daemon's own sessions (unless the conninfo names another).
inline constexpr const char* kDaemonApplicationName = "pgwardend";

// repmgrd's additions to every conninfo it uses: connect_timeout=2 when none is set, and an
// application name that tells a DBA who is connected; and pgwarden's: TCP keepalives and
// tcp_user_timeout (text::with_keepalives), so a silent peer drops the connection within the
// silence budget (5 s with connect_timeout=2) instead of blocking a query for the kernel's
// 15 minutes or leaving an idle connection (the upstream watch, the held election lock) open.
std::string daemon_conninfo(const std::string& conninfo);

// The longest one conversation with a node may take (connect, then a query, each at its own
// limit): the bound for the daemon's parallel questions to several nodes.
std::chrono::seconds conversation_limit(const config::RepmgrConfig& config);

// Opens a connection with daemon_conninfo and statement_timeout = async_query_timeout.
std::optional<pg::Connection> open(const std::string& conninfo, const config::RepmgrConfig& config,
                                   std::string* error = nullptr);

// What a node's own store says of its daemon, into that node's view: whether one runs (a node
// without one is no candidate), and how long since it last reached the failed primary. What the
// store cannot say is left as it was. Throws pg::PgError.
void observe_daemon(cluster::DaemonStateStore& store, failover::NodeView& view);

struct CheckResult {
    bool alive = false;
    std::string error;  // libpq's reason when not alive
};
// One upstream check with connection_check_type: ping, a new connection, or the query.
CheckResult check_upstream(const config::RepmgrConfig& config, const std::string& conninfo);

// Fills a view from a connection to that node: recovery state, newest WAL position, timeline,
// and what its daemon publishes. False (and not visible) when the node could not be queried.
bool observe(pg::Connection& conn, failover::NodeView& view);

// pg_is_in_recovery() of that node; nothing when the query failed.
std::optional<bool> in_recovery(pg::Connection& conn);

// A node that announced itself as the new primary (notify_follow_primary on the local node), or
// any active node other than self and `failed_upstream_id` that is not in recovery.
// With `newly_promoted_only` (while still retrying the upstream), a node recorded as a primary
// in the local metadata does not count: only a standby that left recovery, so a cascaded
// standby does not leave its upstream for the primary on a short outage.
std::optional<int> find_new_primary(const config::RepmgrConfig& config, int self_id,
                                    int failed_upstream_id, bool newly_promoted_only);

// notify_follow_primary(self) on every active standby and witness but self; best effort.
void notify_siblings(const config::RepmgrConfig& config, int self_id);

// The primary side: the local node's role, and the registered children streaming from it.
failover::LocalSeen check_local(const config::RepmgrConfig& config, std::string* error);
struct ChildReport {
    bool ok = false;
    std::vector<failover::ChildNode> registered;
    std::set<int> attached;
};
ChildReport check_children(const config::RepmgrConfig& config, int self_id);

// The node records through the local node (nothing when unreachable or unreadable).
std::optional<std::vector<cluster::NodeRecord>> load_nodes_locally(
    const config::RepmgrConfig& config);
// One node's record through the local node (nothing when unreachable or absent).
std::optional<cluster::NodeRecord> find_record(const config::RepmgrConfig& config, int node_id);

}  // namespace pgwarden::daemon
