// The election lock's verdicts: a winner takes a session advisory lock on each voter, lowest
// node_id first, and promotes only while it holds the lock on more than half of the nodes. The
// daemon takes the locks; these functions judge each answer and the tally. Pure.
#pragma once

#include "failover/election.hpp"
#include "model/node_record.hpp"

#include <optional>

namespace pgwarden::failover {

// One voter's answer to pg_try_advisory_lock, taken over a connection that worked.
struct LockAnswer {
    model::NodeRecord node;
    bool is_self = false;
    bool locked = false;              // the lock was free and is now this node's
    std::optional<bool> in_recovery;  // asked under the lock; nothing when the query failed
};

enum class LockProgress { keep_going, stop };

// Judges one answer into `outcome` (a win so far): the lock held by another candidate loses
// the election; a voter found promoted meanwhile is followed instead. keep_going: this lock
// counts, take the next.
LockProgress judge_lock_answer(const LockAnswer& answer, ElectionOutcome& outcome);

// After the last voter: `held` locks out of outcome.total_nodes. Without a majority the
// election is cancelled (and the locks are to be released).
void judge_lock_tally(int held, ElectionOutcome& outcome);

// failover_validation_command's answer; nothing when the command is not set.
struct ValidationAnswer {
    bool timed_out = false;
    int exit_code = 0;
};
// A veto (a non-zero exit or a timeout) cancels the win: the election is rerun later.
void judge_validation(const std::optional<ValidationAnswer>& answer, ElectionOutcome& outcome);

// Whether this node can stand at all: a node no longer in recovery is not a standby that lost
// its primary (someone promoted it), so there is nothing to elect. Nothing: it can stand.
std::optional<std::string> why_self_cannot_stand(const NodeView& self);

}  // namespace pgwarden::failover
