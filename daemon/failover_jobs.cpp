#include "failover_jobs.hpp"

#include "cluster_io.hpp"

#include "cluster/attach_facts.hpp"
#include "cluster/connect.hpp"
#include "cluster/daemon_queries.hpp"
#include "cluster/daemon_state_store.hpp"
#include "cluster/node_write.hpp"
#include "cluster/switchover_queries.hpp"
#include "cluster/sync_queries.hpp"
#include "exec/placeholders.hpp"
#include "exec/shell.hpp"
#include "log/log.hpp"

#include <unistd.h>

#include <chrono>
#include <thread>

namespace pgwarden::daemon {
namespace {

using namespace std::chrono_literals;

// A command's own limit: its configured wait plus a margin for the work around it.
std::chrono::milliseconds command_limit(int configured_secs) {
    return std::chrono::seconds(std::max(configured_secs, 0)) + 60s;
}

// Polls the local node until `wanted` holds for its recovery state, up to `limit`.
bool wait_for_local(const config::RepmgrConfig& config, bool want_in_recovery,
                    std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    do {
        std::string error;
        const auto seen = check_local(config, &error);
        if (seen ==
            (want_in_recovery ? failover::LocalSeen::standby : failover::LocalSeen::primary))
            return true;
        std::this_thread::sleep_for(200ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

std::string shell_failure(const std::string& what, const exec::CommandOutcome& outcome) {
    if (!outcome.error.empty())
        return fmt::format("{} could not be run: {}", what, outcome.error);
    if (outcome.timed_out)
        return fmt::format("{} did not finish in time and was killed", what);
    return fmt::format("{} returned {}", what, outcome.exit_code);
}

// Runs a failover command, then waits for the local node to be what the command should have
// made it (a primary, or a standby again). Nothing on success, else what went wrong.
std::optional<std::string> run_and_wait(const config::RepmgrConfig& config, const char* what,
                                        const exec::ExpandedCommand& command,
                                        std::chrono::milliseconds limit, bool want_in_recovery,
                                        const char* wait_setting, int wait_secs) {
    const auto outcome = exec::run_shell(command, limit);
    if (!outcome.ok())
        return shell_failure(what, outcome);
    if (!wait_for_local(config, want_in_recovery, std::chrono::seconds(wait_secs)))
        return fmt::format("{} succeeded but the local node is not {} after {} ({} s)", what,
                           want_in_recovery ? "back as a standby" : "out of recovery", wait_setting,
                           wait_secs);
    return std::nullopt;
}

}  // namespace

std::optional<pg::Connection> open_primary(const config::RepmgrConfig& config,
                                           const std::string& fallback_conninfo) {
    auto local = open(config.conninfo, config);
    if (!local) {
        if (fallback_conninfo.empty())
            return std::nullopt;
        auto fallback = open(fallback_conninfo, config);
        if (fallback && cluster::query_role(*fallback) == cluster::Role::primary)
            return fallback;
        return std::nullopt;
    }
    // A witness is not in recovery either, but the primary is elsewhere.
    if (cluster::query_role(*local) == cluster::Role::primary) {
        std::optional<cluster::NodeRecord> self;
        try {
            self = cluster::load_node(*local, config.node_id);
        } catch (const pg::PgError&) {
        }
        if (!self || self->type != model::NodeType::witness)
            return local;
    }
    if (auto primary = cluster::connect_primary(*local))
        return std::move(primary->conn);
    return std::nullopt;
}

void record_daemon_event(const config::RepmgrConfig& config, const cluster::Event& event,
                         const std::string& primary_conninfo) {
    auto writable = open_primary(config, primary_conninfo);
    cluster::record_event(writable ? &*writable : nullptr, config, event);
}

StepResult promote(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                   const cluster::NodeRecord& old_primary) {
    log::notice("this node is the winner, will now promote itself and inform other nodes");
    log::info("promote_command is:\n  \"{}\"", config.promote_command);
    if (const auto failure = run_and_wait(config, "promote_command", {config.promote_command, {}},
                                          command_limit(config.promote_check_timeout), false,
                                          "promote_check_timeout", config.promote_check_timeout))
        return {false, *failure};

    if (auto local = open(config.conninfo, config)) {
        try {
            cluster::increment_voting_term(*local);
        } catch (const pg::PgError& e) {
            log::warning("unable to increment the voting term: {}", e.what());
        }
        cluster::Event promoted{self.node_id,
                                "repmgrd_failover_promote",
                                true,
                                fmt::format("node {} promoted to primary; old primary {} marked "
                                            "as failed",
                                            describe(self), describe(old_primary)),
                                old_primary.node_id,
                                std::nullopt,
                                std::nullopt};
        cluster::record_event(&*local, config, promoted);
    }
    notify_siblings(config, self.node_id);
    record_daemon_event(config, {self.node_id, "repmgrd_reload", true,
                                 fmt::format("monitoring cluster primary {}", describe(self)),
                                 std::nullopt, std::nullopt, std::nullopt});
    return {true, {}};
}

std::optional<failover::SyncSnapshot> local_sync_snapshot(const config::RepmgrConfig& config) {
    auto local = open(config.conninfo, config);
    if (!local)
        return std::nullopt;
    try {
        return cluster::read_sync_snapshot(*local);
    } catch (const pg::PgError& e) {
        log::debug("unable to read the local node's synchronous replication: {}", e.what());
        return std::nullopt;
    }
}

bool original_primary_back(const config::RepmgrConfig& config,
                           const cluster::NodeRecord& failed_primary) {
    auto local = open(config.conninfo, config);
    if (!local)
        return false;
    const auto primary = cluster::connect_primary(*local);
    return primary && primary->record.node_id == failed_primary.node_id;
}

void publish_new_upstream(cluster::DaemonStateStore& store, int new_upstream_id) {
    store.reset_announcement();
    store.publish_upstream_node_id(new_upstream_id);
}

namespace {

void publish_new_upstream(const config::RepmgrConfig& config, int new_upstream_id) {
    auto local = open(config.conninfo, config);
    if (!local)
        return;
    try {
        daemon::publish_new_upstream(*cluster::open_state_store(*local), new_upstream_id);
    } catch (const pg::PgError& e) {
        log::warning("unable to update the local node's daemon state: {}", e.what());
    }
}

// repmgr's check_node_can_attach before a follow: a follow_command run against a node this one
// cannot stream from would leave it a standby of nothing. Nothing when it can attach.
std::optional<StepResult> cannot_attach(const config::RepmgrConfig& config,
                                        const cluster::NodeRecord& target) {
    auto local = open(config.conninfo, config);
    if (!local)
        return StepResult{false, fmt::format("unable to connect to the local node to check it can "
                                             "follow {}",
                                             describe(target))};
    const auto gathered = cluster::gather_attach_facts(*local, target);
    if (!gathered.facts)
        return StepResult{false, gathered.error, gathered.hint};
    if (auto refusal = failover::attach_refusal(*gathered.facts))
        return StepResult{false, fmt::format("this node cannot attach to follow target node {}: {}",
                                             describe(target), *refusal)};
    log::info("local node {} can attach to follow target node {}", config.node_id, target.node_id);
    return std::nullopt;
}

}  // namespace

StepResult follow(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                  const cluster::NodeRecord& new_primary) {
    if (auto refusal = cannot_attach(config, new_primary))
        return std::move(*refusal);
    const auto command = exec::expand_follow_command(config.follow_command, new_primary.node_id);
    log::info("follow_command is:\n  \"{}\"", command.command);
    if (const auto failure = run_and_wait(
            config, "follow_command", command,
            command_limit(config.standby_follow_timeout + config.primary_follow_timeout), true,
            "repmgrd_standby_startup_timeout", config.repmgrd_standby_startup_timeout))
        return {false, *failure};
    publish_new_upstream(config, new_primary.node_id);
    record_daemon_event(config, {self.node_id, "repmgrd_failover_follow", true,
                                 fmt::format("node {} now following new upstream node {}",
                                             describe(self), describe(new_primary)),
                                 new_primary.node_id, new_primary.conninfo, new_primary.node_name});
    return {true, {}};
}

bool sync_witness_metadata(const config::RepmgrConfig& config, const cluster::NodeRecord& primary) {
    auto source = open(primary.conninfo, config);
    auto local = open(config.conninfo, config);
    if (!source || !local)
        return false;
    try {
        cluster::replace_all_nodes(*local, cluster::load_nodes(*source));
        return true;
    } catch (const pg::PgError& e) {
        log::warning("unable to copy the metadata from the primary: {}", e.what());
        return false;
    }
}

StepResult witness_follow(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                          const cluster::NodeRecord& new_primary) {
    auto primary = open(new_primary.conninfo, config);
    if (!primary)
        return {false,
                fmt::format("unable to connect to the new primary {}", describe(new_primary))};
    try {
        cluster::set_upstream(*primary, self.node_id, new_primary.node_id);
    } catch (const pg::PgError& e) {
        return {false, fmt::format("unable to update this witness's record: {}", e.what())};
    }
    if (!sync_witness_metadata(config, new_primary))
        return {false, "unable to copy the metadata from the new primary"};
    publish_new_upstream(config, new_primary.node_id);
    cluster::record_event(&*primary, config,
                          {self.node_id, "repmgrd_failover_follow", true,
                           fmt::format("witness node {} now following new primary {}",
                                       describe(self), describe(new_primary)),
                           new_primary.node_id, new_primary.conninfo, new_primary.node_name});
    return {true, {}};
}

namespace {
void note_handover(pg::Connection& local, int self_id, LocalCheck& check) {
    if (check.in_recovery != false)
        return;
    try {
        check.handed_over_by = cluster::handed_over_to(local, self_id);
    } catch (const pg::PgError& e) {
        log::debug("unable to read the switchover requests: {}", e.what());
    }
}
}  // namespace

LocalCheck local_paused(const config::RepmgrConfig& config) {
    LocalCheck check;
    auto local = open(config.conninfo, config, &check.error);
    if (!local)
        return check;
    check.reachable = true;
    check.in_recovery = daemon::in_recovery(*local);
    note_handover(*local, config.node_id, check);
    try {
        check.paused = cluster::open_state_store(*local)->is_paused(config.node_id);
    } catch (const pg::PgError& e) {
        log::debug("unable to read the pause flag: {}", e.what());
    }
    return check;
}

void set_local_active(const config::RepmgrConfig& config, bool active,
                      const std::string& primary_conninfo) {
    auto primary = open_primary(config, primary_conninfo);
    if (!primary) {
        log::warning("no primary reachable: this node's record stays as it is");
        return;
    }
    try {
        cluster::set_node_active(*primary, config.node_id, active);
    } catch (const pg::PgError& e) {
        log::warning("unable to mark this node {}: {}", active ? "active" : "inactive", e.what());
    }
}

bool primary_heartbeat(cluster::DaemonStateStore& store, int self_id, int pid,
                       const std::string& pid_file) {
    try {
        if (store.needs_pid(self_id))
            store.publish_pid(self_id, pid, pid_file);
        store.heartbeat(self_id);
    } catch (const pg::PgError& e) {
        log::warning("unable to write this daemon's heartbeat: {}", e.what());
    }
    try {
        return store.is_paused(self_id);
    } catch (const pg::PgError& e) {
        log::debug("unable to read the pause flag: {}", e.what());
        return false;
    }
}

bool primary_heartbeat(const config::RepmgrConfig& config, const std::string& pid_file) {
    auto local = open(config.conninfo, config);
    if (!local)
        return false;
    // The primary's daemon writes its own row where it runs.
    const auto store = cluster::open_state_store(*local, [&local] { return &*local; });
    return primary_heartbeat(*store, config.node_id, static_cast<int>(::getpid()), pid_file);
}

bool publish_upstream_seen(cluster::DaemonStateStore& store, int self_id, int upstream_id,
                           int pid) {
    const bool paused = store.is_paused(self_id);
    // Before "seen": the heartbeat only updates a row that exists.
    if (store.needs_pid(self_id))
        store.publish_pid(self_id, pid, {});
    store.note_upstream_seen(self_id, upstream_id);
    return paused;
}

LocalCheck after_upstream_seen(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                               const cluster::NodeRecord& upstream) {
    LocalCheck check;
    auto local = open(config.conninfo, config, &check.error);
    if (!local)
        return check;
    check.reachable = true;
    check.in_recovery = daemon::in_recovery(*local);
    note_handover(*local, config.node_id, check);
    try {
        if (const auto own = cluster::load_node(*local, self.node_id)) {
            check.record_has_upstream = own->upstream_node_id.has_value();
            if (own->upstream_node_id && *own->upstream_node_id != upstream.node_id)
                check.recorded_upstream = cluster::load_node(*local, *own->upstream_node_id);
        }
    } catch (const pg::PgError& e) {
        log::debug("unable to read this node's record: {}", e.what());
    }
    // Opened for the table's writes, then kept for the monitoring history row.
    std::optional<pg::Connection> primary;
    try {
        const auto store = cluster::open_state_store(*local, cluster::open_into(primary, [&] {
            return upstream.type == model::NodeType::primary ? open(upstream.conninfo, config)
                                                             : open_primary(config);
        }));
        check.paused = publish_upstream_seen(*store, self.node_id, upstream.node_id,
                                             static_cast<int>(::getpid()));
    } catch (const pg::PgError& e) {
        log::warning("unable to publish the upstream's last contact: {}", e.what());
    }
    if (upstream.type != model::NodeType::primary)
        return check;
    // What the election will need should the primary fail: its synchronous standbys now.
    try {
        if (!primary)
            primary = open(upstream.conninfo, config);
        if (primary) {
            check.sync_seen = cluster::read_sync_snapshot(*primary);
            check.sync_seen->primary_node_id = upstream.node_id;
        }
    } catch (const pg::PgError& e) {
        log::warning("unable to read the primary's synchronous replication: {}", e.what());
    }
    if (!config.monitoring_history)
        return check;
    try {
        const auto standby = cluster::replay_position(*local);
        if (!primary)
            primary = open(upstream.conninfo, config);
        if (!primary || !standby)
            return check;
        cluster::record_monitoring_history(*primary, upstream.node_id, self.node_id, *standby);
    } catch (const pg::PgError& e) {
        log::warning("unable to write monitoring history: {}", e.what());
    }
    return check;
}

std::optional<cluster::NodeRecord> record_local_as_standby(const config::RepmgrConfig& config,
                                                           int self_id) {
    auto local = open(config.conninfo, config);
    if (!local)
        return std::nullopt;
    auto primary = cluster::connect_primary(*local);
    if (!primary)
        return std::nullopt;
    try {
        cluster::set_standby_of(primary->conn, self_id, primary->record.node_id);
    } catch (const pg::PgError& e) {
        log::warning("unable to update this node's record: {}", e.what());
    }
    return primary->record;
}

void run_child_disconnect_command(const config::RepmgrConfig& config, const std::string& detail) {
    const auto command = exec::expand_child_disconnect_command(
        config.child_nodes_disconnect_command, config.node_id);
    log::notice("executing \"child_nodes_disconnect_command\": {} ({})", command.command, detail);
    const auto outcome = exec::run_shell(command, exec::kDefaultCommandTimeout);
    record_daemon_event(
        config, {config.node_id, "child_nodes_disconnect_command", outcome.ok(),
                 outcome.ok() ? detail : shell_failure("child_nodes_disconnect_command", outcome),
                 std::nullopt, std::nullopt, std::nullopt});
}

}  // namespace pgwarden::daemon
