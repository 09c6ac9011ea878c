#include "election_io.hpp"

#include "cluster_io.hpp"
#include "wal_receiver.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_queries.hpp"
#include "exec/in_parallel.hpp"
#include "exec/placeholders.hpp"
#include "exec/shell.hpp"
#include "failover/election_lock.hpp"
#include "failover/membership.hpp"
#include "log/log.hpp"

#include <algorithm>

namespace pgwarden::daemon {
namespace {

// 'pgwd': the advisory lock class every pgwardend election locks on every node.
constexpr int kElectionLockClass = 0x70677764;
constexpr int kElectionLockObject = 1;

ElectionRun cancelled(std::string reason) {
    ElectionRun run;
    run.outcome.verdict = failover::Verdict::cancelled;
    run.outcome.reasons.push_back(std::move(reason));
    return run;
}

// Asks each voter for the lock in turn, as failover::judge_lock_answer says, and keeps the
// sessions of the locks that count; a voter that cannot be reached or asked is skipped.
void lock_voters(const config::RepmgrConfig& config, const std::vector<cluster::NodeRecord>& voters,
                 ElectionRun& run) {
    auto locks = std::make_shared<ElectionLocks>();
    for (const auto& node : voters) {
        auto conn = open(node.conninfo, config);
        if (!conn)
            continue;
        failover::LockAnswer answer{node, node.node_id == config.node_id, false, std::nullopt};
        try {
            answer.locked =
                cluster::try_session_lock(*conn, kElectionLockClass, kElectionLockObject);
        } catch (const pg::PgError& e) {
            log::warning("unable to take the election lock on node {}: {}", describe(node),
                         e.what());
            continue;
        }
        if (answer.locked && !answer.is_self && node.type != model::NodeType::witness)
            answer.in_recovery = in_recovery(*conn);
        if (failover::judge_lock_answer(answer, run.outcome) == failover::LockProgress::stop)
            return;
        locks->sessions.push_back(std::move(*conn));
    }
    failover::judge_lock_tally(static_cast<int>(locks->sessions.size()), run.outcome);
    if (run.outcome.verdict == failover::Verdict::won)
        run.locks = std::move(locks);
}

std::optional<failover::ValidationAnswer> validate(const config::RepmgrConfig& config,
                                                   const cluster::NodeRecord& self,
                                                   int sharing_upstream,
                                                   const failover::ElectionOutcome& outcome) {
    if (config.failover_validation_command.empty())
        return std::nullopt;
    const auto command = exec::expand_validation_command(
        config.failover_validation_command, {self.node_id, self.node_name, outcome.visible_nodes,
                                             sharing_upstream, outcome.total_nodes});
    log::info("executing \"failover_validation_command\": {}", command.command);
    const auto result = exec::run_shell(command, exec::kDefaultCommandTimeout);
    // A command that could not be run at all vetoes too: nothing agreed to the promotion.
    const int exit_code = result.ok() ? 0 : (result.exit_code != 0 ? result.exit_code : -1);
    return failover::ValidationAnswer{result.timed_out, exit_code};
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

ElectionRun run_election(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                         const cluster::NodeRecord& failed_upstream,
                         std::optional<std::chrono::seconds> fence_guard, const SyncFacts& sync) {
    if (failover::failover_path(failed_upstream) == failover::FailoverPath::follow_primary)
        return follow_the_primary(config, failed_upstream);
    const auto nodes = load_nodes_locally(config);
    if (!nodes)
        return cancelled("the local node's metadata cannot be read");
    const auto own = failover::own_record(*nodes, self);
    const auto siblings = failover::siblings_of(*nodes, self.node_id, failed_upstream.node_id);

    failover::ElectionInput input;
    input.automatic = config.failover == config::FailoverMode::automatic;
    input.primary_location = failed_upstream.location;
    input.monitor_interval_secs = config.monitor_interval_secs;
    input.primary_visibility_consensus = config.primary_visibility_consensus;
    if (fence_guard)
        input.fence_guard_secs = static_cast<int>(fence_guard->count());
    input.self = failover::view_of(own);
    input.sync = sync.snapshot;
    input.primary_name = failed_upstream.node_name;
    input.maximum_lag_bytes = sync.maximum_lag_bytes;
    // Held until the election is decided: the LSNs compared below cannot move meanwhile.
    const WalReceiverFreeze frozen(config, siblings);
    {
        auto local = open(config.conninfo, config);
        if (!local || !observe(*local, input.self))
            return cancelled("the local node cannot be queried");
        if (const auto why = failover::why_self_cannot_stand(input.self))
            return cancelled(*why);
        if (!input.sync) {
            try {
                input.local_standby_names =
                    local->exec("SELECT pg_catalog.current_setting('synchronous_standby_names')")
                        .value(0, 0);
            } catch (const pg::PgError& e) {
                return cancelled(
                    fmt::format("unable to read synchronous_standby_names: {}", e.what()));
            }
        }
    }
    input.self.daemon_running = true;
    input.siblings = exec::in_parallel(
        siblings, conversation_limit(config),
        [config](const cluster::NodeRecord& node) {
            auto view = failover::view_of(node);
            if (auto conn = open(node.conninfo, config))
                observe(*conn, view);
            return view;
        },
        [](const cluster::NodeRecord& node) { return failover::view_of(node); });

    ElectionRun run;
    run.outcome = failover::decide_election(input);
    if (run.outcome.verdict != failover::Verdict::won)
        return run;
    lock_voters(config, failover::election_voters(own, siblings, input.siblings), run);
    if (run.outcome.verdict != failover::Verdict::won)
        return run;
    failover::judge_validation(
        validate(config, own, static_cast<int>(siblings.size()) + 1, run.outcome), run.outcome);
    if (run.outcome.verdict != failover::Verdict::won)
        run.locks.reset();
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

}  // namespace pgwarden::daemon
