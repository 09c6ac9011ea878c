// The election lock's verdicts and the validation veto, from the answers alone.
#include "failover/election_lock.hpp"

#include "node_records.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;
using pgwarden::model::NodeType;
using pgwarden::test::record;

namespace {

ElectionOutcome a_win(int total) {
    ElectionOutcome outcome;
    outcome.verdict = Verdict::won;
    outcome.winner_node_id = 2;
    outcome.total_nodes = total;
    return outcome;
}

}  // namespace

TEST_CASE("a lock another candidate holds loses the election", "[failover]") {
    auto outcome = a_win(3);
    const LockAnswer held_elsewhere{record(3, NodeType::standby, 1), false, false, true};
    CHECK(judge_lock_answer(held_elsewhere, outcome) == LockProgress::stop);
    CHECK(outcome.verdict == Verdict::lost);
    CHECK(outcome.winner_node_id == 0);
    CHECK(outcome.reasons.back() ==
          "another candidate holds the election lock on node \"node3\" (ID: 3)");
}

TEST_CASE("a voter found out of recovery under the lock is followed instead", "[failover]") {
    auto outcome = a_win(3);
    const LockAnswer promoted{record(3, NodeType::standby, 1), false, true, false};
    CHECK(judge_lock_answer(promoted, outcome) == LockProgress::stop);
    CHECK(outcome.verdict == Verdict::follow_existing_primary);
    CHECK(outcome.winner_node_id == 3);
}

TEST_CASE("self, a witness and a voter whose recovery state is unknown just count", "[failover]") {
    auto outcome = a_win(3);
    CHECK(judge_lock_answer({record(2, NodeType::standby, 1), true, true, false}, outcome) ==
          LockProgress::keep_going);
    CHECK(judge_lock_answer({record(4, NodeType::witness, 1), false, true, false}, outcome) ==
          LockProgress::keep_going);
    CHECK(judge_lock_answer({record(3, NodeType::standby, 1), false, true, std::nullopt},
                            outcome) == LockProgress::keep_going);
    CHECK(outcome.verdict == Verdict::won);
}

TEST_CASE("the win stands only with the lock on more than half of the nodes", "[failover]") {
    auto two_of_three = a_win(3);
    judge_lock_tally(2, two_of_three);
    CHECK(two_of_three.verdict == Verdict::won);
    CHECK(two_of_three.reasons.back() == "election lock held on 2 of 3 nodes");
    auto two_of_four = a_win(4);
    judge_lock_tally(2, two_of_four);
    CHECK(two_of_four.verdict == Verdict::cancelled);
    CHECK(two_of_four.reasons.back() == "the election lock is held on only 2 of 4 nodes");
}

TEST_CASE("failover_validation_command vetoes with a non-zero exit or a timeout", "[failover]") {
    auto not_set = a_win(3);
    judge_validation(std::nullopt, not_set);
    CHECK(not_set.verdict == Verdict::won);
    auto agreed = a_win(3);
    judge_validation(ValidationAnswer{false, 0}, agreed);
    CHECK(agreed.verdict == Verdict::won);
    auto vetoed = a_win(3);
    judge_validation(ValidationAnswer{false, 1}, vetoed);
    CHECK(vetoed.verdict == Verdict::cancelled);
    CHECK(vetoed.reasons.back() == "failover_validation_command returned 1: election to be rerun");
    auto slow = a_win(3);
    judge_validation(ValidationAnswer{true, -1}, slow);
    CHECK(slow.verdict == Verdict::cancelled);
    CHECK(slow.reasons.back() == "failover_validation_command timed out: election to be rerun");
}

TEST_CASE("a node out of recovery cannot stand in an election", "[failover]") {
    NodeView self;
    CHECK_FALSE(why_self_cannot_stand(self));
    self.in_recovery = false;
    CHECK(why_self_cannot_stand(self) == std::string("the local node is not in recovery"));
}
