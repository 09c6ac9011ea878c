// A synchronous standby that dies before its primary: the snapshot taken in between no longer
// shows it streaming, yet it holds every commit the primary acknowledged, since the primary
// waited for it since. The departed standby is kept, and is still the safe one to promote.
#include "failover/election.hpp"
#include "failover/replication_record.hpp"
#include "failover/sync_replication.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;

namespace {

SyncSnapshot snapshot_of(const char* standby_names, std::vector<StandbySeen> standbys,
                         int primary = 1) {
    SyncSnapshot snapshot;
    snapshot.primary_node_id = primary;
    snapshot.standby_names = standby_names;
    snapshot.synchronous_commit = "on";
    snapshot.primary_lsn = 1000;
    snapshot.standbys = std::move(standbys);
    return snapshot;
}

std::vector<std::string> departed_names(const SyncSnapshot& snapshot) {
    std::vector<std::string> names;
    for (const auto& standby : snapshot.standbys)
        if (standby.departed)
            names.push_back(standby.application_name + ":" + standby.sync_state);
    return names;
}

struct DepartedCase {
    const char* what;
    SyncSnapshot previous;
    SyncSnapshot next;
    std::vector<std::string> kept;  // "name:state" of the departed standbys in the result
};

}  // namespace

TEST_CASE("a synchronous standby gone while the primary waits for it is kept as departed",
          "[failover][sync]") {
    const std::vector<DepartedCase> cases{
        {"FIRST 1: the only synchronous standby is gone: the primary waits, it is kept",
         snapshot_of("FIRST 1 (node2)", {{"node2", "sync", 950}, {"node3", "async", 900}}),
         snapshot_of("FIRST 1 (node2)", {{"node3", "async", 900}}),
         {"node2:sync"}},
        {"FIRST 1 (node2, node3): node3 took over: commits go on without node2, it is dropped",
         snapshot_of("FIRST 1 (node2, node3)",
                     {{"node2", "sync", 950}, {"node3", "potential", 900}}),
         snapshot_of("FIRST 1 (node2, node3)", {{"node3", "sync", 960}}),
         {}},
        {"FIRST 2: one of two is gone and nobody replaces it: it is kept",
         snapshot_of("FIRST 2 (node2, node3)", {{"node2", "sync", 950}, {"node3", "sync", 940}}),
         snapshot_of("FIRST 2 (node2, node3)", {{"node3", "sync", 940}}),
         {"node2:sync"}},
        {"ANY 1 of 2: both quorum standbys gone: both are kept",
         snapshot_of("ANY 1 (node2, node3)", {{"node2", "quorum", 950}, {"node3", "quorum", 940}}),
         snapshot_of("ANY 1 (node2, node3)", {}),
         {"node2:quorum", "node3:quorum"}},
        {"ANY 1 of 2: one quorum standby still acknowledges: the gone one is dropped",
         snapshot_of("ANY 1 (node2, node3)", {{"node2", "quorum", 950}, {"node3", "quorum", 940}}),
         snapshot_of("ANY 1 (node2, node3)", {{"node2", "quorum", 990}}),
         {}},
        {"the list was emptied: nothing waits, nothing is kept",
         snapshot_of("FIRST 1 (node2)", {{"node2", "sync", 950}}),
         snapshot_of("", {}),
         {}},
        {"an asynchronous standby that goes is not kept",
         snapshot_of("FIRST 1 (node2)", {{"node2", "sync", 950}, {"node3", "async", 900}}),
         snapshot_of("FIRST 1 (node2)", {{"node2", "sync", 960}}),
         {}},
        {"back, but not synchronous yet: it streams, so it is not departed",
         snapshot_of("FIRST 1 (node2)", {{"node2", "sync", 950}}),
         snapshot_of("FIRST 1 (node2)", {{"node2", "potential", 950}}),
         {}},
        {"another primary's snapshot carries nothing over",
         snapshot_of("FIRST 1 (node2)", {{"node2", "sync", 950}}),
         snapshot_of("FIRST 1 (node2)", {}, 3),
         {}},
        {"kept over several snapshots while the primary still waits",
         snapshot_of("FIRST 1 (node2)", {{"node2", "sync", 950, true}}),
         snapshot_of("FIRST 1 (node2)", {}),
         {"node2:sync"}},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto kept = keep_departed_sync_standbys(c.previous, c.next);
        CHECK(departed_names(kept) == c.kept);
        CHECK(kept.primary_lsn == c.next.primary_lsn);
    }
    CHECK(departed_names(keep_departed_sync_standbys(
              std::nullopt, snapshot_of("FIRST 1 (node2)", {}))) == std::vector<std::string>{});
}

TEST_CASE(
    "the departed synchronous standby is the one promoted once it is back, and does not stream "
    "for the probe meanwhile",
    "[failover][sync]") {
    const auto seen = keep_departed_sync_standbys(
        snapshot_of("FIRST 1 (node2)", {{"node2", "sync", 950}, {"node3", "async", 900}}),
        snapshot_of("FIRST 1 (node2)", {{"node3", "async", 900}}));
    CHECK_FALSE(sync_state_of(seen, "node2"));

    ElectionInput input;
    input.primary_location = "default";
    input.primary_name = "node1";
    input.sync = seen;
    auto node = [](int id, std::uint64_t lsn, bool visible) {
        NodeView view;
        view.node_id = id;
        view.node_name = "node" + std::to_string(id);
        view.visible = visible;
        view.lsn = lsn;
        view.timeline = 1;
        return view;
    };
    input.self = node(3, 900, true);
    input.siblings = {node(2, 950, false)};
    CHECK(decide_election(input).verdict == Verdict::cancelled);  // node2 is not back yet
    input.siblings = {node(2, 950, true)};
    const auto outcome = decide_election(input);
    CHECK(outcome.verdict == Verdict::lost);
    CHECK(outcome.winner_node_id == 2);

    ReplicationRecord record;
    record.node_name = "node2";
    record.snapshot = seen;
    std::string error;
    const auto parsed = parse_replication_record(format_replication_record(record), &error);
    REQUIRE(parsed);
    REQUIRE(parsed->snapshot);
    CHECK(departed_names(*parsed->snapshot) == std::vector<std::string>{"node2:sync"});
}
