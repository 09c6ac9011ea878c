#include "fence_events.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden;
using daemon::FenceJob;

namespace {

std::vector<std::string> event_names(const std::vector<failover::RecordEvent>& events) {
    std::vector<std::string> names;
    for (const auto& event : events)
        names.push_back(event.event);
    return names;
}

}  // namespace

TEST_CASE("a fence takes its step's events into one job, so they are written before it",
          "[daemon][fencing]") {
    const std::vector<failover::PrimaryAction> actions{
        failover::Fence{failover::FenceAction::read_only, "no majority"},
        failover::RecordEvent{"pgwarden_fence", true, "fenced (read-only): no majority"}};
    const auto plan = daemon::plan_fence_events(actions, true);
    REQUIRE(plan.job);
    CHECK(plan.job->kind == FenceJob::Kind::fence);
    CHECK(plan.job->action == failover::FenceAction::read_only);
    CHECK(event_names(plan.job->events) == std::vector<std::string>{"pgwarden_fence"});
    // The Fence stays for the loop: the lease and the log line, at once.
    REQUIRE(plan.actions.size() == 1);
    CHECK(std::holds_alternative<failover::Fence>(plan.actions[0]));
}

TEST_CASE("a lift takes its events, to write them once the server is writable again",
          "[daemon][fencing]") {
    const std::vector<failover::PrimaryAction> actions{
        failover::RenewLease{{}, "3 of 3 nodes seen"},
        failover::LiftFence{failover::FenceAction::stop, "3 of 3 nodes seen"},
        failover::RecordEvent{"pgwarden_fence_lifted", true, "a majority is seen again"}};
    const auto plan = daemon::plan_fence_events(actions, false);
    REQUIRE(plan.job);
    CHECK(plan.job->kind == FenceJob::Kind::lift);
    CHECK(plan.job->action == failover::FenceAction::stop);
    CHECK(event_names(plan.job->events) == std::vector<std::string>{"pgwarden_fence_lifted"});
    REQUIRE(plan.actions.size() == 2);
    CHECK(std::holds_alternative<failover::RenewLease>(plan.actions[0]));
    CHECK(std::holds_alternative<failover::LiftFence>(plan.actions[1]));
}

TEST_CASE("a node that stays fenced hands its events to the fence's route", "[daemon][fencing]") {
    const std::vector<failover::PrimaryAction> actions{
        failover::RecordEvent{"pgwarden_superseded", true, "node 2 is on timeline 2"}};
    const auto plan = daemon::plan_fence_events(actions, true);
    REQUIRE(plan.job);
    CHECK(plan.job->kind == FenceJob::Kind::fenced);
    CHECK(event_names(plan.job->events) == std::vector<std::string>{"pgwarden_superseded"});
    CHECK(plan.actions.empty());
    // Fenced, and nothing to write: no job.
    const auto quiet = daemon::plan_fence_events({failover::CheckPeers{}}, true);
    CHECK_FALSE(quiet.job);
    CHECK(quiet.actions.size() == 1);
}

TEST_CASE("a primary that is not fenced records its events as before", "[daemon][fencing]") {
    const std::vector<failover::PrimaryAction> actions{
        failover::RecordEvent{"pgwarden_isolated", false, "only 1 of 3 nodes seen"},
        failover::CheckLocal{}};
    const auto plan = daemon::plan_fence_events(actions, false);
    CHECK_FALSE(plan.job);
    REQUIRE(plan.actions.size() == 2);
    CHECK(std::holds_alternative<failover::RecordEvent>(plan.actions[0]));
    CHECK(std::holds_alternative<failover::CheckLocal>(plan.actions[1]));
}
