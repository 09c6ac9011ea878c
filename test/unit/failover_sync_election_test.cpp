// Synchronous replication in the election: synchronous_standby_names read as PostgreSQL reads
// it, and the rules that keep every acknowledged commit, walked as tables.
#include "failover/election.hpp"
#include "failover/replication_record.hpp"
#include "failover/sync_replication.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;

namespace {

struct ParseCase {
    const char* text;
    SyncMethod method;
    int count;
    std::vector<std::string> names;
};

// One standby of the primary (node1) in a row of the election table: its LSN, whether the
// electing node sees it, and its sync_state in the primary's pg_stat_replication ("" when it
// was not streaming).
struct Standby {
    int id;
    std::uint64_t lsn;
    bool visible;
    const char* sync_state;
};

struct ElectionCase {
    const char* what;
    const char* standby_names;
    std::vector<Standby> standbys;  // the first one is the electing node
    Verdict verdict;
    int winner;  // 0: none
};

NodeView view_of(const Standby& standby) {
    NodeView view;
    view.node_id = standby.id;
    view.node_name = "node" + std::to_string(standby.id);
    view.visible = standby.visible;
    view.lsn = standby.lsn;
    view.timeline = 1;
    return view;
}

ElectionInput election_of(const char* standby_names, const std::vector<Standby>& standbys) {
    ElectionInput input;
    input.primary_location = "default";
    input.primary_name = "node1";
    input.self = view_of(standbys.front());
    for (std::size_t i = 1; i < standbys.size(); ++i)
        input.siblings.push_back(view_of(standbys[i]));
    SyncSnapshot snapshot;
    snapshot.primary_node_id = 1;
    snapshot.standby_names = standby_names;
    snapshot.synchronous_commit = "on";
    snapshot.primary_lsn = 1000;
    for (const auto& standby : standbys)
        if (*standby.sync_state != '\0')
            snapshot.standbys.push_back(
                {"node" + std::to_string(standby.id), standby.sync_state, standby.lsn});
    input.sync = snapshot;
    return input;
}

}  // namespace

TEST_CASE("synchronous_standby_names is read as PostgreSQL reads it", "[failover][sync]") {
    const std::vector<ParseCase> cases{
        {"", SyncMethod::none, 0, {}},
        {"   ", SyncMethod::none, 0, {}},
        {"node2", SyncMethod::first, 1, {"node2"}},
        {"node2, node3", SyncMethod::first, 1, {"node2", "node3"}},
        {"2 (node2, node3)", SyncMethod::first, 2, {"node2", "node3"}},
        {"FIRST 1 (node2,node3)", SyncMethod::first, 1, {"node2", "node3"}},
        {"first 2(a,b,c)", SyncMethod::first, 2, {"a", "b", "c"}},
        {"ANY 1 (node2, node3)", SyncMethod::any, 1, {"node2", "node3"}},
        {"any 2 (*)", SyncMethod::any, 2, {"*"}},
        {"*", SyncMethod::first, 1, {"*"}},
        {"\"Node 2\", \"a\"\"b\"", SyncMethod::first, 1, {"Node 2", "a\"b"}},
        {"first, any", SyncMethod::first, 1, {"first", "any"}},
        {"FIRST", SyncMethod::first, 1, {"FIRST"}},
        {"s_1$x", SyncMethod::first, 1, {"s_1$x"}},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        std::string error;
        const auto parsed = parse_sync_standby_names(c.text, &error);
        REQUIRE(parsed);
        CHECK(parsed->method == c.method);
        CHECK(parsed->count == c.count);
        CHECK(parsed->names == c.names);
    }
}

TEST_CASE("synchronous_standby_names PostgreSQL refuses is refused with the reason",
          "[failover][sync]") {
    for (const char* text : {"ANY 0 (a)", "FIRST 1 a", "ANY (a)", "1 (a", "a,", "(a)", "a b",
                             "\"open", "a;b", "1 (a) b"}) {
        INFO(text);
        std::string error;
        CHECK_FALSE(parse_sync_standby_names(text, &error));
        CHECK_FALSE(error.empty());
    }
}

TEST_CASE("names match case-insensitively, and the list is written back in FIRST/ANY form",
          "[failover][sync]") {
    const auto names = parse_sync_standby_names("ANY 1 (Node2, \"first\")");
    REQUIRE(names);
    CHECK(names_standby(*names, "node2"));
    CHECK(names_standby(*names, "FIRST"));
    CHECK_FALSE(names_standby(*names, "node3"));
    CHECK(format_sync_standby_names(*names) == "ANY 1 (Node2, \"first\")");
    const auto all = parse_sync_standby_names("*");
    REQUIRE(all);
    CHECK(names_standby(*all, "anything"));
    CHECK(format_sync_standby_names(*all) == "FIRST 1 (*)");
    const auto reparsed = parse_sync_standby_names(
        format_sync_standby_names(*parse_sync_standby_names("2 (\"a b\", \"x\"\"y\", \"9z\")")));
    REQUIRE(reparsed);
    CHECK(reparsed->names == std::vector<std::string>{"a b", "x\"y", "9z"});
}

TEST_CASE("the election keeps every acknowledged commit: the rules as a table",
          "[failover][sync]") {
    const std::vector<ElectionCase> cases{
        {"no synchronous replication: the best LSN wins, as repmgr",
         "",
         {{3, 900, true, "async"}, {2, 800, false, "async"}, {4, 700, true, "async"}},
         Verdict::won,
         3},
        {"FIRST 1: the synchronous standby is gone with the primary, the asynchronous one waits",
         "FIRST 1 (node2, node3)",
         {{3, 900, true, "potential"}, {2, 950, false, "sync"}, {4, 700, true, "async"}},
         Verdict::cancelled,
         0},
        {"FIRST 1: the visible synchronous standby wins, the standby behind it is "
         "refused",
         "node2, node3",
         {{3, 900, true, "potential"}, {2, 950, true, "sync"}},
         Verdict::lost,
         2},
        {"FIRST 1: an asynchronous standby at or past a visible synchronous one is safe too",
         "FIRST 1 (node2)",
         {{3, 960, true, "async"}, {2, 950, true, "sync"}},
         Verdict::won,
         3},
        {"FIRST 2: either synchronous standby holds every commit; the lower one sets the floor",
         "FIRST 2 (node2, node3, node4)",
         {{4, 940, true, "potential"}, {2, 950, false, "sync"}, {3, 930, true, "sync"}},
         Verdict::won,
         4},
        {"FIRST 1: no standby was synchronous when last seen: nobody is known safe",
         "FIRST 1 (node2)",
         {{3, 900, true, "async"}, {2, 950, true, ""}},
         Verdict::cancelled,
         0},
        {"ANY 1 of 2: one listed standby unreachable: no promotion until it is seen",
         "ANY 1 (node2, node3)",
         {{3, 900, true, "quorum"}, {2, 950, false, "quorum"}, {4, 990, true, "async"}},
         Verdict::cancelled,
         0},
        {"ANY 1 of 2: both visible, the most advanced wins",
         "ANY 1 (node2, node3)",
         {{3, 900, true, "quorum"}, {2, 950, true, "quorum"}},
         Verdict::lost,
         2},
        {"ANY 2 of 3: two visible are enough, the most advanced of them wins",
         "ANY 2 (node2, node3, node4)",
         {{3, 910, true, "quorum"}, {2, 950, false, "quorum"}, {4, 920, true, "quorum"}},
         Verdict::lost,
         4},
        {"ANY 1 of 3 listed with the primary itself listed: the primary does not count",
         "ANY 1 (node1, node2, node3)",
         {{3, 900, true, "quorum"}, {2, 950, true, "quorum"}},
         Verdict::lost,
         2},
        {"ANY 1 (*): every standby counts, one unreachable blocks the promotion",
         "ANY 1 (*)",
         {{3, 900, true, "quorum"}, {2, 950, false, "quorum"}, {4, 800, true, "quorum"}},
         Verdict::cancelled,
         0},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto outcome = decide_election(election_of(c.standby_names, c.standbys));
        for (const auto& reason : outcome.reasons)
            UNSCOPED_INFO(reason);
        CHECK(outcome.verdict == c.verdict);
        CHECK(outcome.winner_node_id == c.winner);
        if (c.verdict == Verdict::cancelled)
            CHECK_FALSE(outcome.refusals.empty());
    }
}

TEST_CASE("a refused candidate is named with the rule in one line", "[failover][sync]") {
    const auto outcome = decide_election(election_of(
        "FIRST 1 (node2, node3)",
        {{3, 900, true, "potential"}, {2, 950, false, "sync"}, {4, 800, true, "async"}}));
    REQUIRE(outcome.refusals.size() == 2);
    CHECK(outcome.refusals[0].find("\"node3\" (ID: 3) is not promoted") != std::string::npos);
    CHECK(outcome.refusals[0].find("node2") != std::string::npos);
    CHECK(outcome.reasons.back().find("acknowledged") != std::string::npos);
}

TEST_CASE("maximum-lag-on-failover refuses a candidate too far behind the primary's last LSN",
          "[failover][sync]") {
    auto input = election_of("", {{3, 900, true, "async"}, {2, 850, true, "async"}});
    input.maximum_lag_bytes = 50;  // the primary was last seen at 1000: 950 is the floor
    auto outcome = decide_election(input);
    CHECK(outcome.verdict == Verdict::cancelled);
    REQUIRE(outcome.refusals.size() == 2);
    CHECK(outcome.refusals[0].find("100 bytes behind") != std::string::npos);

    input.maximum_lag_bytes = 100;
    outcome = decide_election(input);
    CHECK(outcome.verdict == Verdict::won);
    CHECK(outcome.refusals.size() == 1);  // node2, 150 bytes behind

    input.maximum_lag_bytes.reset();
    input.sync.reset();  // never saw the primary: no floor from either rule
    CHECK(decide_election(input).verdict == Verdict::won);
}

TEST_CASE("the replication record survives the disk, forged lines included", "[failover][sync]") {
    ReplicationRecord record;
    SyncSnapshot snapshot;
    snapshot.primary_node_id = 1;
    snapshot.standby_names = "ANY 1 (node2, \"a,b\")";
    snapshot.synchronous_commit = "remote_apply";
    snapshot.primary_lsn = 123456789;
    snapshot.seen_unix = 1700000000;
    snapshot.boot_id = "b00t";
    snapshot.seen_ms = 42;
    snapshot.standbys = {{"node2", "quorum", 5}, {"a,b", "quorum", std::nullopt}};
    record.snapshot = snapshot;
    record.election_refusal = "refused\nstandby=sync,1,evil";
    std::string error;
    const auto parsed = parse_replication_record(format_replication_record(record), &error);
    REQUIRE(parsed);
    REQUIRE(parsed->snapshot);
    CHECK(parsed->snapshot->standby_names == snapshot.standby_names);
    CHECK(parsed->snapshot->primary_lsn == snapshot.primary_lsn);
    CHECK(parsed->snapshot->seen_ms == 42);
    REQUIRE(parsed->snapshot->standbys.size() == 2);
    CHECK(parsed->snapshot->standbys[1].application_name == "a,b");
    CHECK_FALSE(parsed->snapshot->standbys[1].flush_lsn);
    CHECK(sync_state_of(*parsed->snapshot, "NODE2") == "quorum");
    CHECK(parsed->election_refusal == "refused standby=sync,1,evil");

    CHECK_FALSE(parse_replication_record("primary_node_id=x\n", &error));
    CHECK(error.find("line 1") != std::string::npos);
    CHECK_FALSE(parse_replication_record("standby=sync\n", &error));
    const auto empty = parse_replication_record("", &error);
    REQUIRE(empty);
    CHECK_FALSE(empty->snapshot);
}

TEST_CASE(
    "a daemon that never saw the primary promotes nobody when its own server names "
    "synchronous standbys",
    "[failover][sync]") {
    auto input = election_of("", {{3, 900, true, "async"}, {2, 850, true, "async"}});
    input.sync.reset();
    input.local_standby_names = "FIRST 1 (node2, node3)";
    auto outcome = decide_election(input);
    CHECK(outcome.verdict == Verdict::cancelled);
    REQUIRE_FALSE(outcome.refusals.empty());
    CHECK(outcome.refusals[0].find("never saw") != std::string::npos);

    input.local_standby_names = "";
    outcome = decide_election(input);
    CHECK(outcome.verdict == Verdict::won);
    CHECK(outcome.refusals.empty());
}

TEST_CASE("the probe answers /sync only from a fresh record of this boot that shows this node",
          "[failover][sync]") {
    ReplicationRecord record;
    record.node_name = "node2";
    SyncSnapshot snapshot;
    snapshot.primary_node_id = 1;
    snapshot.standby_names = "FIRST 1 (node2, node3)";
    snapshot.boot_id = "boot";
    snapshot.seen_ms = 1000;
    snapshot.valid_until_ms = 4000;
    snapshot.standbys = {{"node2", "sync", 5}, {"node3", "potential", 5}};
    record.snapshot = snapshot;
    CHECK(fresh_sync_state(record, "boot", 3999) == "sync");
    CHECK_FALSE(fresh_sync_state(record, "boot", 4000));
    CHECK_FALSE(fresh_sync_state(record, "other boot", 2000));
    record.node_name = "node4";  // not streaming when seen
    CHECK_FALSE(fresh_sync_state(record, "boot", 2000));
    record.node_name = "NODE3";
    CHECK(fresh_sync_state(record, "boot", 2000) == "potential");
    record.node_name.clear();
    CHECK_FALSE(fresh_sync_state(record, "boot", 2000));
    record.node_name = "node3";
    const auto parsed = parse_replication_record(format_replication_record(record), nullptr);
    REQUIRE(parsed);
    CHECK(parsed->node_name == "node3");
    CHECK(parsed->snapshot->valid_until_ms == 4000);
}
