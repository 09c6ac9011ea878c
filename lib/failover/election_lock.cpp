#include "failover/election_lock.hpp"

#include <fmt/format.h>

namespace pgwarden::failover {

LockProgress judge_lock_answer(const LockAnswer& answer, ElectionOutcome& outcome) {
    if (!answer.locked) {
        outcome.verdict = Verdict::lost;
        outcome.winner_node_id = 0;
        outcome.reasons.push_back(fmt::format(
            "another candidate holds the election lock on node {}", model::describe(answer.node)));
        return LockProgress::stop;
    }
    // A witness is never in recovery: only a standby out of it was promoted.
    if (!answer.is_self && answer.node.type != model::NodeType::witness &&
        answer.in_recovery == false) {
        outcome.verdict = Verdict::follow_existing_primary;
        outcome.winner_node_id = answer.node.node_id;
        outcome.reasons.push_back(
            fmt::format("node {} was promoted meanwhile", model::describe(answer.node)));
        return LockProgress::stop;
    }
    return LockProgress::keep_going;
}

void judge_lock_tally(int held, ElectionOutcome& outcome) {
    if (!holds_majority(held, outcome.total_nodes)) {
        outcome.verdict = Verdict::cancelled;
        outcome.reasons.push_back(fmt::format("the election lock is held on only {} of {} nodes",
                                              held, outcome.total_nodes));
        return;
    }
    outcome.reasons.push_back(
        fmt::format("election lock held on {} of {} nodes", held, outcome.total_nodes));
}

void judge_validation(const std::optional<ValidationAnswer>& answer, ElectionOutcome& outcome) {
    if (!answer || (!answer->timed_out && answer->exit_code == 0))
        return;
    outcome.verdict = Verdict::cancelled;
    outcome.reasons.push_back(
        answer->timed_out
            ? std::string("failover_validation_command timed out: election to be rerun")
            : fmt::format("failover_validation_command returned {}: election to be rerun",
                          answer->exit_code));
}

std::optional<std::string> why_self_cannot_stand(const NodeView& self) {
    if (!self.in_recovery)
        return std::string("the local node is not in recovery");
    return std::nullopt;
}

}  // namespace pgwarden::failover
