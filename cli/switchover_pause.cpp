#include "switchover_pause.hpp"

#include "register_support.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_state_store.hpp"
#include "log/log.hpp"
#include "text/conninfo.hpp"

#include <algorithm>

namespace pgwarden::cli::switchover {
namespace {

// A node that drops packets must not stall the switchover's pause of the others.
constexpr const char* kPauseConnectTimeout = "5";

std::optional<pg::Connection> connect_node(const cluster::NodeRecord& node) {
    return cluster::try_connect(
        text::with_default(node.conninfo, "connect_timeout", kPauseConnectTimeout));
}

bool contains(const std::vector<int>& ids, int id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

PauseRecord pause_daemons(const std::vector<cluster::NodeRecord>& nodes, bool dry_run,
                          const PrimaryFinder& primary) {
    PauseRecord record;
    for (const auto& node : nodes) {
        auto conn = connect_node(node);
        if (!conn) {
            if (node.active) {
                ++record.unreachable;
                log::warning("node \"{}\" (ID {}) unreachable, unable to pause repmgrd",
                             node.node_name, node.node_id);
            }
            continue;
        }
        try {
            auto store = cluster::open_state_store(*conn, primary);
            if (store->daemon_running(node.node_id) != true) {
                log::warning("repmgrd not running on node \"{}\" (ID {})", node.node_name,
                             node.node_id);
                continue;
            }
            if (store->is_paused(node.node_id)) {
                record.paused_before.push_back(node.node_id);
                continue;
            }
            if (dry_run) {
                log::info("would pause repmgrd on node \"{}\" (ID {})", node.node_name,
                          node.node_id);
                continue;
            }
            log::debug("pausing repmgrd on node \"{}\" (ID {})", node.node_name, node.node_id);
            store->set_paused(node.node_id, true);
            record.paused_by_us.push_back(node.node_id);
        } catch (const pg::PgError& e) {
            log::warning("unable to pause repmgrd on node \"{}\" (ID {}): {}", node.node_name,
                         node.node_id, e.what());
        }
    }
    return record;
}

void unpause_daemons(const std::vector<cluster::NodeRecord>& nodes, const PauseRecord& record,
                     bool force_unpause, const PrimaryFinder& primary) {
    int errors = 0;
    for (const auto& node : nodes) {
        const bool ours = contains(record.paused_by_us, node.node_id);
        if (!ours && !(force_unpause && contains(record.paused_before, node.node_id)))
            continue;
        log::debug("unpausing repmgrd on node \"{}\" (ID {})", node.node_name, node.node_id);
        auto conn = connect_node(node);
        if (!conn) {
            log::warning("unable to connect to node \"{}\" (ID {})", node.node_name, node.node_id);
            ++errors;
            continue;
        }
        try {
            cluster::open_state_store(*conn, primary)->set_paused(node.node_id, false);
        } catch (const pg::PgError& e) {
            log::warning("unable to unpause node \"{}\" (ID {}): {}", node.node_name, node.node_id,
                         e.what());
            ++errors;
        }
    }
    if (errors > 0) {
        log::warning("unable to unpause repmgrd on {} node(s)", errors);
        reg::hint(log::Level::warning,
                  "check node connection and status; unpause manually with \"repmgr service "
                  "unpause\"");
    }
}

}  // namespace pgwarden::cli::switchover
