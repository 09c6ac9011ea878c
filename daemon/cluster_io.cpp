#include "cluster_io.hpp"

#include "wal_receiver.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_state.hpp"
#include "exec/in_parallel.hpp"
#include "exec/placeholders.hpp"
#include "exec/shell.hpp"
#include "log/log.hpp"
#include "pg/conninfo.hpp"
#include "text/parse_number.hpp"

#include <libpq-fe.h>

#include <algorithm>

namespace pgwarden::daemon {
namespace {

// 'pgwd': the advisory lock class every pgwardend election locks on every node.
constexpr int kElectionLockClass = 0x70677764;
constexpr int kElectionLockObject = 1;

// Self and siblings: in recovery, newest WAL position, timeline.
constexpr const char* kViewQuery =
    "SELECT pg_catalog.pg_is_in_recovery(),"
    " CASE WHEN pg_catalog.pg_is_in_recovery() THEN"
    "  pg_catalog.pg_wal_lsn_diff(greatest(pg_catalog.pg_last_wal_receive_lsn(),"
    "   pg_catalog.pg_last_wal_replay_lsn()), '0/0')::bigint"
    " ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), '0/0')::bigint END,"
    " CASE WHEN pg_catalog.pg_is_in_recovery() THEN"
    "  COALESCE((SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver),"
    "   (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()))"
    " ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))"
    "  ::bit(32)::int END";

using exec::in_parallel;

failover::NodeView base_view(const cluster::NodeRecord& record) {
    failover::NodeView view;
    view.node_id = record.node_id;
    view.node_name = record.node_name;
    view.witness = record.type == model::NodeType::witness;
    view.priority = record.priority;
    view.location = record.location;
    return view;
}

// Fills a view from a connection to that node; false when the node could not be queried.
bool observe(pg::Connection& conn, failover::NodeView& view) {
    try {
        const auto result = conn.exec(kViewQuery);
        view.in_recovery = result.value(0, 0) == "t";
        if (!view.witness && !result.is_null(0, 1))
            view.lsn = text::parse_number<std::uint64_t>(result.value(0, 1));
        if (!result.is_null(0, 2))
            view.timeline = text::parse_number<std::uint32_t>(result.value(0, 2)).value_or(0);
        switch (cluster::state_store(conn)) {
            case cluster::StateStore::extension:
                view.daemon_running = cluster::daemon_running(conn).value_or(false);
                view.seconds_since_primary_seen = cluster::seconds_since_upstream_seen(conn);
                break;
            case cluster::StateStore::table:
                // Rows stop changing when the primary dies: a PID there is a daemon that ran,
                // and "upstream seen" is the last write it managed on the primary.
                if (const auto status = cluster::table_status(conn, view.node_id)) {
                    view.daemon_running = status->pid.has_value();
                    view.seconds_since_primary_seen = status->seconds_since_upstream_seen;
                }
                break;
            case cluster::StateStore::none:
                break;
        }
        view.visible = true;
    } catch (const pg::PgError& e) {
        log::warning("unable to query node \"{}\" (ID: {}): {}", view.node_name, view.node_id,
                     e.what());
        view.visible = false;
    }
    return view.visible;
}

// Only called for a failed primary. A standby whose record names no upstream (stale metadata)
// is monitoring the primary too, so it is a sibling: otherwise the others would elect without it
// while it holds its own election.
bool is_sibling(const cluster::NodeRecord& node, int self_id, int failed_primary_id) {
    if (!node.active || node.node_id == self_id || node.node_id == failed_primary_id)
        return false;
    if (node.type == model::NodeType::witness)
        return true;
    return node.type == model::NodeType::standby &&
           (!node.upstream_node_id || node.upstream_node_id == failed_primary_id);
}

ElectionRun cancelled(std::string reason) {
    ElectionRun run;
    run.outcome.verdict = failover::Verdict::cancelled;
    run.outcome.reasons.push_back(std::move(reason));
    return run;
}

// Takes the election lock on every visible node, lowest node_id first, stopping at the first
// node whose lock another candidate holds. Then, under the lock, looks again for a primary.
void lock_voters(const config::RepmgrConfig& config, const std::vector<cluster::NodeRecord>& voters,
                 ElectionRun& run) {
    auto locks = std::make_shared<ElectionLocks>();
    for (const auto& node : voters) {
        auto conn = open(node.conninfo, config);
        if (!conn)
            continue;
        bool locked = false;
        try {
            locked = conn->exec("SELECT pg_catalog.pg_try_advisory_lock($1, $2)",
                                {std::to_string(kElectionLockClass),
                                 std::to_string(kElectionLockObject)})
                         .value(0, 0) == "t";
        } catch (const pg::PgError& e) {
            log::warning("unable to take the election lock on node {}: {}", describe(node),
                         e.what());
            continue;
        }
        if (!locked) {
            run.outcome.verdict = failover::Verdict::lost;
            run.outcome.winner_node_id = 0;
            run.outcome.reasons.push_back(fmt::format(
                "another candidate holds the election lock on node {}", describe(node)));
            return;
        }
        // A witness is never in recovery: only a standby out of it was promoted.
        if (node.node_id != config.node_id && node.type != model::NodeType::witness &&
            cluster::query_role(*conn) == cluster::Role::primary) {
            run.outcome.verdict = failover::Verdict::follow_existing_primary;
            run.outcome.winner_node_id = node.node_id;
            run.outcome.reasons.push_back(
                fmt::format("node {} was promoted meanwhile", describe(node)));
            return;
        }
        locks->sessions.push_back(std::move(*conn));
    }
    const int held = static_cast<int>(locks->sessions.size());
    if (!failover::holds_majority(held, run.outcome.total_nodes)) {
        run.outcome.verdict = failover::Verdict::cancelled;
        run.outcome.reasons.push_back(fmt::format(
            "the election lock is held on only {} of {} nodes", held, run.outcome.total_nodes));
        return;
    }
    run.outcome.reasons.push_back(
        fmt::format("election lock held on {} of {} nodes", held, run.outcome.total_nodes));
    run.locks = std::move(locks);
}

void validate(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
              int sharing_upstream, ElectionRun& run) {
    if (config.failover_validation_command.empty())
        return;
    const auto command =
        exec::expand_validation_command(config.failover_validation_command,
                                        {self.node_id, self.node_name, run.outcome.visible_nodes,
                                         sharing_upstream, run.outcome.total_nodes});
    log::info("executing \"failover_validation_command\": {}", command);
    const auto outcome = exec::run_shell(command, exec::k_default_command_timeout);
    if (outcome.ok())
        return;
    run.locks.reset();
    run.outcome.verdict = failover::Verdict::cancelled;
    run.outcome.reasons.push_back(
        outcome.timed_out ? "failover_validation_command timed out: election to be rerun"
                          : fmt::format("failover_validation_command returned {}: election to "
                                        "be rerun",
                                        outcome.exit_code));
}

ElectionRun follow_the_primary(const config::RepmgrConfig& config,
                               const cluster::NodeRecord& failed_upstream) {
    auto local = open(config.conninfo, config);
    if (!local)
        return cancelled("the local node cannot be queried");
    auto primary = cluster::connect_primary(*local);
    if (!primary)
        return cancelled(fmt::format("upstream standby {} failed and no primary is reachable",
                                     describe(failed_upstream)));
    ElectionRun run;
    run.outcome.verdict = failover::Verdict::follow_existing_primary;
    run.outcome.winner_node_id = primary->record.node_id;
    run.outcome.reasons.push_back(
        fmt::format("upstream standby {} failed: following the primary {}",
                    describe(failed_upstream), describe(primary->record)));
    return run;
}

}  // namespace

std::string daemon_conninfo(const std::string& conninfo) {
    return pg::with_default(pg::with_default(conninfo, "connect_timeout", "2"),
                            "fallback_application_name", "pgwardend");
}

std::optional<pg::Connection> open(const std::string& conninfo, const config::RepmgrConfig& config,
                                   std::string* error) {
    try {
        auto conn = pg::Connection::open(daemon_conninfo(conninfo));
        pg::log_notices(conn.get());
        if (config.async_query_timeout > 0)
            conn.exec(fmt::format("SET statement_timeout = {}",
                                  static_cast<long long>(config.async_query_timeout) * 1000));
        return conn;
    } catch (const pg::PgError& e) {
        if (error != nullptr)
            *error = e.what();
        return std::nullopt;
    }
}

CheckResult check_upstream(const config::RepmgrConfig& config, const std::string& conninfo) {
    CheckResult result;
    switch (config.connection_check_type) {
        case config::ConnectionCheckType::ping: {
            const auto ping = PQping(daemon_conninfo(conninfo).c_str());
            result.alive = ping == PQPING_OK;
            if (!result.alive)
                result.error = ping == PQPING_REJECT ? "server rejects connections"
                                                     : "server does not respond";
            break;
        }
        case config::ConnectionCheckType::connection:
            result.alive = open(conninfo, config, &result.error).has_value();
            break;
        case config::ConnectionCheckType::query:
            if (auto conn = open(conninfo, config, &result.error)) {
                try {
                    conn->exec(config.connection_check_query);
                    result.alive = true;
                } catch (const pg::PgError& e) {
                    result.error = e.what();
                }
            }
            break;
    }
    return result;
}

std::optional<std::vector<cluster::NodeRecord>> load_nodes_locally(
    const config::RepmgrConfig& config) {
    std::string error;
    auto conn = open(config.conninfo, config, &error);
    if (!conn) {
        log::warning("unable to connect to the local node: {}", error);
        return std::nullopt;
    }
    try {
        return cluster::load_nodes(*conn);
    } catch (const pg::PgError& e) {
        log::warning("unable to read the node records on the local node: {}", e.what());
        return std::nullopt;
    }
}

ElectionRun run_election(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                         const cluster::NodeRecord& failed_upstream) {
    // A cascaded standby whose upstream standby failed has a primary still: it follows that
    // (repmgrd's upstream standby failover) and never holds an election.
    if (failed_upstream.type != model::NodeType::primary)
        return follow_the_primary(config, failed_upstream);
    const auto nodes = load_nodes_locally(config);
    if (!nodes)
        return cancelled("the local node's metadata cannot be read");
    std::vector<cluster::NodeRecord> siblings;
    std::optional<cluster::NodeRecord> own = self;
    for (const auto& node : *nodes) {
        if (node.node_id == self.node_id)
            own = node;  // priority and location come from the metadata, as in repmgrd
        else if (is_sibling(node, self.node_id, failed_upstream.node_id))
            siblings.push_back(node);
    }

    failover::ElectionInput input;
    input.automatic = config.failover == config::FailoverMode::automatic;
    input.primary_location = failed_upstream.location;
    input.monitor_interval_secs = config.monitor_interval_secs;
    input.primary_visibility_consensus = config.primary_visibility_consensus;
    input.self = base_view(*own);
    // Held until the election is decided: the LSNs compared below cannot move meanwhile.
    const WalReceiverFreeze frozen(config, siblings);
    {
        auto local = open(config.conninfo, config);
        if (!local || !observe(*local, input.self))
            return cancelled("the local node cannot be queried");
        if (!input.self.in_recovery)
            return cancelled("the local node is not in recovery");
    }
    input.self.daemon_running = true;
    input.siblings = in_parallel(siblings, [&config](const cluster::NodeRecord& node) {
        auto view = base_view(node);
        if (auto conn = open(node.conninfo, config))
            observe(*conn, view);
        return view;
    });

    ElectionRun run;
    run.outcome = failover::decide_election(input);
    if (run.outcome.verdict != failover::Verdict::won)
        return run;

    std::vector<cluster::NodeRecord> voters{*own};
    for (std::size_t i = 0; i < siblings.size(); ++i)
        if (input.siblings[i].visible)
            voters.push_back(siblings[i]);
    std::sort(voters.begin(), voters.end(),
              [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
    lock_voters(config, voters, run);
    if (run.outcome.verdict != failover::Verdict::won)
        return run;
    if (!run.locks)
        return run;
    validate(config, *own, static_cast<int>(siblings.size()) + 1, run);
    return run;
}

ElectionRun take_election_lock(const config::RepmgrConfig& config,
                               std::vector<cluster::NodeRecord> voters, int total_nodes) {
    std::sort(voters.begin(), voters.end(),
              [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
    ElectionRun run;
    run.outcome.verdict = failover::Verdict::won;
    run.outcome.winner_node_id = config.node_id;
    run.outcome.total_nodes = total_nodes;
    lock_voters(config, voters, run);
    return run;
}

std::optional<int> find_new_primary(const config::RepmgrConfig& config, int self_id,
                                    int failed_upstream_id, bool newly_promoted_only) {
    auto local = open(config.conninfo, config);
    if (!local)
        return std::nullopt;
    std::vector<cluster::NodeRecord> candidates;
    try {
        if (cluster::has_daemon_functions(*local))
            if (const auto announced = cluster::announced_new_primary(*local);
                announced && *announced != self_id)
                return announced;
        for (auto& node : cluster::load_nodes(*local))
            if (node.active && node.node_id != self_id && node.node_id != failed_upstream_id &&
                node.type != model::NodeType::witness &&
                !(newly_promoted_only && node.type == model::NodeType::primary))
                candidates.push_back(std::move(node));
    } catch (const pg::PgError& e) {
        log::debug("looking for a new primary: {}", e.what());
        return std::nullopt;
    }
    const auto primary_flags = in_parallel(candidates, [&config](const cluster::NodeRecord& node) {
        auto conn = open(node.conninfo, config);
        return conn && cluster::query_role(*conn) == cluster::Role::primary;
    });
    for (std::size_t i = 0; i < candidates.size(); ++i)
        if (primary_flags[i])
            return candidates[i].node_id;
    return std::nullopt;
}

void notify_siblings(const config::RepmgrConfig& config, int self_id) {
    const auto nodes = load_nodes_locally(config);
    if (!nodes)
        return;
    std::vector<cluster::NodeRecord> others;
    for (const auto& node : *nodes)
        if (node.active && node.node_id != self_id && node.type != model::NodeType::primary)
            others.push_back(node);
    in_parallel(others, [&config, self_id](const cluster::NodeRecord& node) {
        auto conn = open(node.conninfo, config);
        if (!conn) {
            log::warning("unable to notify node {}: not reachable", describe(node));
            return false;
        }
        try {
            if (!cluster::has_daemon_functions(*conn))
                return false;
            cluster::announce_new_primary(*conn, self_id);
            log::info("notified node {} to follow node {}", describe(node), self_id);
            return true;
        } catch (const pg::PgError& e) {
            log::warning("unable to notify node {}: {}", describe(node), e.what());
            return false;
        }
    });
}

failover::LocalSeen check_local(const config::RepmgrConfig& config, std::string* error) {
    auto conn = open(config.conninfo, config, error);
    if (!conn)
        return failover::LocalSeen::unreachable;
    switch (cluster::query_role(*conn)) {
        case cluster::Role::primary:
            return failover::LocalSeen::primary;
        case cluster::Role::standby:
            return failover::LocalSeen::standby;
        case cluster::Role::unknown:
            break;
    }
    if (error != nullptr)
        *error = "pg_is_in_recovery() failed";
    return failover::LocalSeen::unreachable;
}

ChildReport check_children(const config::RepmgrConfig& config, int self_id) {
    ChildReport report;
    auto conn = open(config.conninfo, config);
    if (!conn)
        return report;
    try {
        // Standbys attach through replication; a witness only holds a client connection.
        const auto names = [&conn](const char* sql) {
            std::set<std::string> out;
            const auto result = conn->exec(sql);
            for (int row = 0; row < result.rows(); ++row)
                out.insert(std::string(result.value(row, 0)));
            return out;
        };
        const auto replicating = names(
            "SELECT application_name FROM pg_catalog.pg_stat_replication"
            " WHERE state = 'streaming'");
        const auto clients = names(
            "SELECT application_name FROM pg_catalog.pg_stat_activity"
            " WHERE backend_type = 'client backend'");
        for (const auto& node : cluster::load_nodes(*conn)) {
            if (!node.active || node.upstream_node_id != self_id)
                continue;
            const bool witness = node.type == model::NodeType::witness;
            report.registered.push_back({node.node_id, node.node_name, witness});
            const auto& seen = witness ? clients : replicating;
            if (seen.count(node.node_name) != 0)
                report.attached.insert(node.node_id);
        }
        report.ok = true;
    } catch (const pg::PgError& e) {
        log::warning("unable to check child nodes: {}", e.what());
    }
    return report;
}

}  // namespace pgwarden::daemon
