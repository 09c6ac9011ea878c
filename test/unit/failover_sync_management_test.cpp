// Managed synchronous mode on a fake clock: each row is one monitoring round (when, who
// streams) and what synchronous_standby_names is after it; the primary's daemon is assumed to
// write every change, so the next round starts from it.
#include "failover/sync_management.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgwarden::failover;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint{} + 1000s;

struct Round {
    int at_s;                            // seconds after t0
    std::vector<std::string> streaming;  // walsenders streaming this round
    std::string expected;                // synchronous_standby_names after the round
    bool change;
    std::string reason;  // a part of the reason
};

SyncSettings settings(SyncMode mode, int node_count = 1, std::chrono::seconds timeout = 10s) {
    SyncSettings s;
    s.mode = mode;
    s.node_count = node_count;
    s.standby_timeout = timeout;
    return s;
}

const std::vector<RegisteredStandby> kTwoStandbys = {{2, "node2", true}, {3, "node3", true}};

// Walks `rounds` from `initial`, checking each decision; returns the final setting.
std::string walk(SyncManager& manager, const std::vector<RegisteredStandby>& standbys,
                 std::string current, const std::vector<Round>& rounds) {
    for (const auto& round : rounds) {
        const auto decision = manager.decide({standbys, round.streaming, current},
                                             t0 + std::chrono::seconds(round.at_s));
        INFO("at " << round.at_s << " s, from '" << current << "': '" << decision.names
                   << "' because " << decision.reason);
        CHECK(decision.change == round.change);
        CHECK(decision.names == round.expected);
        CHECK_THAT(decision.reason, Catch::Contains(round.reason));
        if (decision.change)
            current = decision.names;
    }
    return current;
}

}  // namespace

TEST_CASE(
    "mode on names the streaming standbys, drops a silent one after the timeout and adds it "
    "back when it streams again",
    "[sync]") {
    SyncManager manager(settings(SyncMode::on));
    walk(
        manager, kTwoStandbys, "",
        {
            {0,
             {"node2", "node3"},
             "FIRST 1 (node2, node3)",
             true,
             "node2 streams: added; node3 streams: added"},
            {2,
             {"node2", "node3"},
             "FIRST 1 (node2, node3)",
             false,
             "every listed standby streams"},
            {4, {"node2"}, "FIRST 1 (node2, node3)", false, "node3 has not streamed for 2 s: kept"},
            {11, {"node2"}, "FIRST 1 (node2, node3)", false, "node3 has not streamed for 9 s"},
            {12,
             {"node2"},
             "FIRST 1 (node2)",
             true,
             "node3 has not streamed for 10 s (synchronous-standby-timeout 10 s): dropped"},
            {14, {"node2"}, "FIRST 1 (node2)", false, "every listed standby streams"},
            {16, {"node2", "node3"}, "FIRST 1 (node2, node3)", true, "node3 streams: added"},
            // node2 fails: node3, listed second, carries on; node2 comes back behind it.
            {18, {"node3"}, "FIRST 1 (node2, node3)", false, "node2 has not streamed for 2 s"},
            {26, {"node3"}, "FIRST 1 (node3)", true, "node2 has not streamed for 10 s"},
            {28, {"node2", "node3"}, "FIRST 1 (node3, node2)", true, "node2 streams: added"},
            // Both gone: asynchronous once the last one's timeout has passed.
            {30, {}, "FIRST 1 (node3, node2)", false, "kept until synchronous-standby-timeout"},
            {40, {}, "", true, "the primary commits asynchronously"},
            {42, {}, "", false, "no synchronous standby is left"},
            {44, {"node3"}, "FIRST 1 (node3)", true, "node3 streams: added"},
        });
}

TEST_CASE(
    "strict mode never empties the list: a missing standby stays listed, '*' when there was "
    "none",
    "[sync]") {
    SyncManager manager(settings(SyncMode::strict, 1, 2s));
    const std::vector<RegisteredStandby> one = {{2, "node2", true}};
    walk(manager, one, "",
         {
             {0, {}, "*", true, "writes wait for any standby ('*'"},
             {2, {}, "*", false, "writes wait for any standby"},
             {4, {"node2"}, "FIRST 1 (node2)", true, "node2 streams: added"},
             {6,
              {},
              "FIRST 1 (node2)",
              false,
              "node2 does not stream: kept (synchronous-mode strict"},
             {100, {}, "FIRST 1 (node2)", false, "kept"},
             {102, {"node2"}, "FIRST 1 (node2)", false, "every listed standby streams"},
         });
    // An unregistered name is no protection: '*' replaces it rather than an empty list.
    SyncManager fresh(settings(SyncMode::strict));
    walk(fresh, one, "FIRST 1 (gone)",
         {{0, {}, "*", true, "gone is no registered standby: dropped"}});
}

TEST_CASE("new members are added by node id after the existing ones, whatever order they stream in",
          "[sync]") {
    const std::vector<RegisteredStandby> three = {
        {4, "node4", true}, {3, "node3", true}, {2, "node2", true}};
    SyncManager manager(settings(SyncMode::on));
    walk(manager, three, "",
         {{0, {"node4", "node3", "node2"}, "FIRST 1 (node2, node3, node4)", true, "added"}});
    SyncManager kept(settings(SyncMode::on));
    walk(kept, three, "FIRST 1 (node3)",
         {{0,
           {"node4", "node3", "node2"},
           "FIRST 1 (node3, node2, node4)",
           true,
           "node2 streams: added; node4 streams: added"}});
}

TEST_CASE(
    "synchronous-node-count is capped by the members, so mode on never waits for a standby "
    "it does not list",
    "[sync]") {
    SyncManager manager(settings(SyncMode::on, 2, 2s));
    walk(manager, kTwoStandbys, "",
         {
             {0, {"node2", "node3"}, "FIRST 2 (node2, node3)", true, "added"},
             {1, {"node2"}, "FIRST 2 (node2, node3)", false, "kept"},
             {2, {"node2"}, "FIRST 1 (node2)", true, "dropped"},
         });
    // The count alone changes the setting when the operator's differs.
    SyncManager count(settings(SyncMode::on, 2));
    walk(count, kTwoStandbys, "FIRST 1 (node2, node3)",
         {{0,
           {"node2", "node3"},
           "FIRST 2 (node2, node3)",
           true,
           "synchronous-mode on with synchronous-node-count 2"}});
}

TEST_CASE("a standby listed before the daemon started gets the whole timeout from its first round",
          "[sync]") {
    SyncManager manager(settings(SyncMode::on, 1, 5s));
    walk(manager, kTwoStandbys, "FIRST 1 (node3, node2)",
         {
             {0, {"node2"}, "FIRST 1 (node3, node2)", false, "node3 has not streamed for 0 s"},
             {4, {"node2"}, "FIRST 1 (node3, node2)", false, "kept"},
             {5, {"node2"}, "FIRST 1 (node2)", true, "dropped"},
         });
}

TEST_CASE("only registered, active standbys are named, and names match as PostgreSQL matches them",
          "[sync]") {
    const std::vector<RegisteredStandby> standbys = {{2, "node2", true}, {3, "node3", false}};
    SyncManager manager(settings(SyncMode::on));
    walk(manager, standbys, "FIRST 1 (NODE2, other)",
         {
             // A walsender nobody registered (a pg_basebackup, a foreign replica) is no member.
             {0,
              {"node2", "node3", "pg_basebackup"},
              "FIRST 1 (NODE2)",
              true,
              "other is no registered standby: dropped"},
             {2, {"node2", "node3"}, "FIRST 1 (NODE2)", false, "every listed standby streams"},
         });
}

TEST_CASE("mode off never changes the operator's setting", "[sync]") {
    SyncManager manager(settings(SyncMode::off));
    for (const std::string current : {"", "FIRST 1 (node3)", "ANY 1 (node2, node3)", "*"}) {
        for (const auto& streaming :
             {std::vector<std::string>{}, std::vector<std::string>{"node2", "node3"}}) {
            const auto decision = manager.decide({kTwoStandbys, streaming, current}, t0);
            CHECK_FALSE(decision.change);
            CHECK(decision.names == current);
            CHECK_THAT(decision.reason, Catch::Contains("synchronous-mode is off"));
        }
    }
}
