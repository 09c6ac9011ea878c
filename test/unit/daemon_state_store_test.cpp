// The daemon's steps on its state store, against one kept in memory: what a standby publishes
// after reaching its upstream, the primary's heartbeat, start-up, a follow, and what an election
// learns of a sibling's daemon.
#include "cluster_io.hpp"
#include "failover_jobs.hpp"
#include "fake_state_store.hpp"
#include "startup.hpp"

#include "failover/election.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace pgwarden;
using Writes = std::vector<std::string>;

namespace {

constexpr bool kTable = true;
constexpr bool kExtension = false;
constexpr int kPid = 4242;

failover::NodeView standby_view(int id, std::uint64_t lsn) {
    failover::NodeView view;
    view.node_id = id;
    view.node_name = "node" + std::to_string(id);
    view.visible = true;
    view.lsn = lsn;
    view.timeline = 1;
    return view;
}

failover::ElectionInput election(failover::NodeView self, failover::NodeView sibling) {
    failover::ElectionInput input;
    input.self = std::move(self);
    input.siblings = {std::move(sibling)};
    input.primary_location = "default";
    return input;
}

bool mentions(const std::vector<std::string>& reasons, const std::string& text) {
    return std::any_of(reasons.begin(), reasons.end(), [&text](const std::string& reason) {
        return reason.find(text) != std::string::npos;
    });
}

}  // namespace

TEST_CASE("a paused standby reports paused after an upstream check", "[daemon]") {
    test::FakeStateStore store(kExtension);
    store.daemons[2].paused = true;
    CHECK(daemon::publish_upstream_seen(store, 2, 1, kPid));
    // The extension keeps its PID from start-up: only "seen", for the upstream that answered.
    CHECK(store.writes == Writes{"note_upstream_seen 2 1"});
}

TEST_CASE("an unpaused standby's upstream check publishes the upstream it reached", "[daemon]") {
    test::FakeStateStore store(kExtension);
    store.daemons[3] = {};
    CHECK_FALSE(daemon::publish_upstream_seen(store, 3, 2, kPid));
    CHECK(store.writes == Writes{"note_upstream_seen 3 2"});
    CHECK(store.seconds_since_upstream_seen(3) == 0);
}

TEST_CASE("a table store publishes the PID once when the row has none", "[daemon]") {
    test::FakeStateStore store(kTable);
    CHECK_FALSE(daemon::publish_upstream_seen(store, 2, 1, kPid));
    CHECK_FALSE(daemon::publish_upstream_seen(store, 2, 1, kPid));
    // The PID first: the heartbeat only updates a row that exists.
    CHECK(store.writes ==
          Writes{"publish_pid 2 4242 ", "note_upstream_seen 2 1", "note_upstream_seen 2 1"});
    CHECK(store.daemons[2].pid == kPid);
}

TEST_CASE("a table row that lost its PID gets it again and keeps its pause flag", "[daemon]") {
    test::FakeStateStore store(kTable);
    store.daemons[2].paused = true;  // `service pause` wrote the row before any daemon did
    CHECK(daemon::publish_upstream_seen(store, 2, 1, kPid));
    CHECK(store.writes == Writes{"publish_pid 2 4242 ", "note_upstream_seen 2 1"});
}

TEST_CASE("a table row with its PID is only told the upstream was seen", "[daemon]") {
    test::FakeStateStore store(kTable);
    store.daemons[2].pid = 1000;
    daemon::publish_upstream_seen(store, 2, 1, kPid);
    CHECK(store.writes == Writes{"note_upstream_seen 2 1"});
    CHECK(store.daemons[2].pid == 1000);
}

TEST_CASE("a store that cannot be read publishes nothing after an upstream check", "[daemon]") {
    test::FakeStateStore store(kTable);
    store.failing_reads = true;
    // The caller logs the error and counts the standby as not paused.
    CHECK_THROWS_AS(daemon::publish_upstream_seen(store, 2, 1, kPid), pg::PgError);
    CHECK(store.writes.empty());
}

TEST_CASE(
    "the primary's daemon on a table store writes its PID and heartbeat, then reads its "
    "pause flag",
    "[daemon]") {
    test::FakeStateStore store(kTable);
    store.daemons[1].paused = true;
    CHECK(daemon::primary_heartbeat(store, 1, kPid, "/run/pgwardend.pid"));
    CHECK(store.writes == Writes{"publish_pid 1 4242 /run/pgwardend.pid", "heartbeat 1"});
    CHECK(daemon::primary_heartbeat(store, 1, kPid, "/run/pgwardend.pid"));
    CHECK(store.writes.back() == "heartbeat 1");
    CHECK(std::count(store.writes.begin(), store.writes.end(), "heartbeat 1") == 2);
    CHECK(store.writes.size() == 3);  // the PID once
}

TEST_CASE("the primary's heartbeat on the extension publishes no PID", "[daemon]") {
    test::FakeStateStore store(kExtension);
    CHECK_FALSE(daemon::primary_heartbeat(store, 1, kPid, "/run/pgwardend.pid"));
    CHECK(store.writes == Writes{"heartbeat 1"});
}

TEST_CASE("a heartbeat that cannot be written still reports the pause flag", "[daemon]") {
    test::FakeStateStore store(kTable);
    store.daemons[1].pid = 1000;
    store.daemons[1].paused = true;
    store.failing_writes = true;
    CHECK(daemon::primary_heartbeat(store, 1, kPid, ""));
    store.failing_reads = true;
    CHECK_FALSE(daemon::primary_heartbeat(store, 1, kPid, ""));
}

TEST_CASE("at start-up the extension gets the node, the PID and the upstream, in that order",
          "[daemon]") {
    test::FakeStateStore store(kExtension);
    daemon::publish_daemon(store, 2, kPid, "/run/pgwardend.pid", 1);
    CHECK(store.writes == Writes{"publish_local_node_id 2", "publish_pid 2 4242 /run/pgwardend.pid",
                                 "publish_upstream_node_id 1"});
}

TEST_CASE("a primary's daemon publishes no upstream at start-up", "[daemon]") {
    test::FakeStateStore store(kExtension);
    daemon::publish_daemon(store, 1, kPid, "/run/pgwardend.pid", std::nullopt);
    CHECK(store.writes ==
          Writes{"publish_local_node_id 1", "publish_pid 1 4242 /run/pgwardend.pid"});
}

TEST_CASE("at start-up a table store without a reachable primary leaves the PID for later",
          "[daemon]") {
    test::FakeStateStore store(kTable);
    store.primary_reachable = false;
    daemon::publish_daemon(store, 2, kPid, "/run/pgwardend.pid", 1);
    CHECK(store.writes.empty());
    // The first upstream check with the primary back publishes it.
    store.primary_reachable = true;
    daemon::publish_upstream_seen(store, 2, 1, kPid);
    CHECK(store.writes == Writes{"publish_pid 2 4242 ", "note_upstream_seen 2 1"});
}

TEST_CASE("after a follow the announcement is consumed and the new upstream published",
          "[daemon]") {
    test::FakeStateStore store(kExtension);
    store.announcement = 3;
    daemon::publish_new_upstream(store, 3);
    CHECK(store.writes == Writes{"reset_announcement", "publish_upstream_node_id 3"});
    CHECK_FALSE(store.announced_new_primary());
}

TEST_CASE("a sibling without a running daemon is not a candidate's view", "[daemon]") {
    test::FakeStateStore sibling_store(kExtension);
    sibling_store.daemons[3].running = false;
    sibling_store.daemons[3].seconds_since_upstream_seen = 1;
    auto sibling = standby_view(3, 200);
    daemon::observe_daemon(sibling_store, sibling);
    CHECK_FALSE(sibling.daemon_running);
    CHECK(sibling.seconds_since_primary_seen == 1);

    const auto outcome = failover::decide_election(election(standby_view(2, 100), sibling));
    // Ahead in WAL, but nobody there could promote it: this node wins.
    CHECK(outcome.verdict == failover::Verdict::won);
    CHECK(outcome.winner_node_id == 2);
    CHECK(mentions(outcome.reasons, "has no failover daemon running"));
}

TEST_CASE("a sibling whose daemon saw the primary a moment ago holds a consensus election back",
          "[daemon]") {
    test::FakeStateStore sibling_store(kTable);
    sibling_store.daemons[3].pid = 1000;
    sibling_store.daemons[3].running = true;
    sibling_store.daemons[3].seconds_since_upstream_seen = 1;
    auto sibling = standby_view(3, 100);
    daemon::observe_daemon(sibling_store, sibling);
    CHECK(sibling.daemon_running);

    auto input = election(standby_view(2, 200), sibling);
    input.primary_visibility_consensus = true;
    const auto outcome = failover::decide_election(input);
    CHECK(outcome.verdict == failover::Verdict::cancelled);
    CHECK(mentions(outcome.reasons, "still sees the primary"));
}

TEST_CASE(
    "a sibling's last contact with the primary holds a consensus election back for two "
    "monitor intervals",
    "[daemon]") {
    using namespace std::chrono_literals;
    test::FakeStateStore sibling_store(kTable);
    sibling_store.daemons[3].pid = 1000;
    sibling_store.daemons[3].running = true;
    // Node 3's daemon reaches the primary one last time, then the primary dies.
    daemon::publish_upstream_seen(sibling_store, 3, 1, kPid);
    const auto elect_after = [&](std::chrono::seconds elapsed) {
        sibling_store.clock = elapsed;
        auto sibling = standby_view(3, 100);
        daemon::observe_daemon(sibling_store, sibling);
        auto input = election(standby_view(2, 200), sibling);
        input.primary_visibility_consensus = true;
        input.monitor_interval_secs = 2;
        return failover::decide_election(input).verdict;
    };
    CHECK(elect_after(3s) == failover::Verdict::cancelled);
    CHECK(elect_after(4s) == failover::Verdict::won);
    CHECK(elect_after(60s) == failover::Verdict::won);
}

TEST_CASE("a sibling whose store knows nothing of its daemon keeps the view's defaults",
          "[daemon]") {
    cluster::NoStateStore nothing;  // a node without metadata
    auto sibling = standby_view(3, 100);
    daemon::observe_daemon(nothing, sibling);
    CHECK(sibling.daemon_running);  // as repmgrd: unknown is not "no daemon"
    CHECK_FALSE(sibling.seconds_since_primary_seen);

    test::FakeStateStore no_row(kTable);  // the table without this node's row
    daemon::observe_daemon(no_row, sibling);
    CHECK(sibling.daemon_running);
    CHECK_FALSE(sibling.seconds_since_primary_seen);
}

TEST_CASE("a node without metadata keeps nothing and takes every write", "[daemon]") {
    cluster::NoStateStore nothing;
    CHECK_FALSE(nothing.is_paused(1));
    CHECK_FALSE(nothing.needs_pid(1));
    CHECK_FALSE(nothing.announced_new_primary());
    CHECK_FALSE(nothing.kept_on_primary());
    CHECK(nothing.writable());
    CHECK_FALSE(nothing.announce_new_primary(2));
    // No start-up notice, no warning, nothing thrown.
    CHECK_NOTHROW(daemon::publish_daemon(nothing, 1, kPid, "/run/pgwardend.pid", std::nullopt));
    CHECK_FALSE(daemon::primary_heartbeat(nothing, 1, kPid, ""));
}
