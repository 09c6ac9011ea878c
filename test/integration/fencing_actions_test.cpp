// What a fenced primary does to its server and where its events go, on real PostgreSQL 15 with
// pgwardend: fence-action read-only writes pgwarden_fence before the switch (or on the primary
// that superseded it), fence-action stop stops the server and the daemon goes on, fenced.
#include "daemon_cluster.hpp"
#include "probe_fixture.hpp"
#include "wait.hpp"

#include "lease/lease_file.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

constexpr auto kFailoverTimeout = 60s;
// The harness's fence timeout (daemon_test_ini).
constexpr auto kFenceTimeout = 3s;
// Past the fence timeout: the peers check that sees the loss (monitor_interval 1 s), the tick
// that fences, and pg_ctl stop -m fast.
constexpr auto kFenceBound = 12s;

bool logged(const DaemonCluster& dc, int i, const std::string& text) {
    return dc.daemon_log(i).find(text) != std::string::npos;
}

// A fencing event (pgwarden_*) that could not be written. (Another event recorded just before
// the fence, such as repmgrd_local_reconnect, may still race with the read-only switch.)
bool failed_fence_event(const DaemonCluster& dc, int i) {
    return dc.daemon_log(i).find("unable to create event \"pgwarden_") != std::string::npos;
}

void require_waited(bool ok, const DaemonCluster& dc, const std::string& what) {
    INFO(what << "\n" << dc.all_logs());
    REQUIRE(ok);
}

DaemonClusterOptions fence_action(const std::string& action,
                                  std::vector<std::string> extra_conf = {}) {
    DaemonClusterOptions options;
    options.daemon_ini = [action](int) {
        return std::vector<std::string>{"fence-action = " + action};
    };
    options.extra_conf = [extra_conf](int) { return extra_conf; };
    return options;
}

// Node 1 sees 1 of 3 nodes: the standbys' daemons go first, or they would mark their stopped
// nodes inactive (standby_failure), and inactive nodes are no voters.
void isolate_primary(DaemonCluster& dc) {
    dc.stop_daemon(2);
    dc.stop_daemon(3);
    dc.cluster().stop(2);
    dc.cluster().stop(3);
}

bool lease_renewed(DaemonCluster& dc, int i) {
    const auto look = pgwarden::lease::look_at_lease(dc.lease_file(i));
    return look.lease && look.lease->verdict == pgwarden::failover::LeaseVerdict::primary;
}

void start_with_lease(DaemonCluster& dc) {
    dc.start_daemons();
    require_waited(wait_until([&] { return lease_renewed(dc, 1); }, 20s, 100ms), dc,
                   "node1's lease was not renewed");
}

// Node 1 fenced read-only: new sessions cannot write.
void wait_read_only_fence(DaemonCluster& dc) {
    require_waited(
        wait_until([&] { return logged(dc, 1, "this node is fenced (read-only)"); }, 30s, 100ms),
        dc, "node1 was not fenced");
    dc.cluster().wait_for_result(1, "SHOW default_transaction_read_only", "on", 10s);
}

pgwarden::failover::LeaseVerdict lease_verdict(DaemonCluster& dc, int i) {
    const auto look = pgwarden::lease::look_at_lease(dc.lease_file(i));
    INFO(look.read_error);
    REQUIRE(look.lease);
    return look.lease->verdict;
}

}  // namespace

TEST_CASE(
    "a primary fenced read-only for losing its majority records pgwarden_fence on itself "
    "before the switch and pgwarden_fence_lifted after the lift",
    "[daemon][fencing]") {
    DaemonCluster dc(fence_action("read-only"));
    start_with_lease(dc);
    auto& cluster = dc.cluster();

    isolate_primary(dc);
    wait_read_only_fence(dc);
    // Nobody else is reachable: the row is on node1, written while it still took writes.
    require_waited(dc.wait_event(1, 1, "pgwarden_fence", 10s), dc,
                   "no pgwarden_fence row on node1");
    CHECK(wait_until([&] { return dc.notified(1, "1 pgwarden_fence 1"); }, 10s, 100ms));
    CHECK_FALSE(failed_fence_event(dc, 1));

    cluster.start(2);
    cluster.start(3);
    require_waited(wait_until([&] { return logged(dc, 1, "the fence is lifted"); }, 30s, 100ms), dc,
                   "the fence was not lifted");
    require_waited(dc.wait_event(1, 1, "pgwarden_fence_lifted", 10s), dc,
                   "no pgwarden_fence_lifted row on node1");
    CHECK_FALSE(failed_fence_event(dc, 1));
    // The history reaches the standbys as any other row does.
    std::string why;
    REQUIRE(dc.wait_streaming(2, 1, kFailoverTimeout, &why));
    CHECK(dc.wait_event(2, 1, "pgwarden_fence_lifted", 20s));
    CHECK(dc.has_event(2, 1, "pgwarden_fence"));
}

// The second of a daemon log line holding `text`: "[2026-12-01 12:00:00] [...] text".
std::optional<std::chrono::seconds> logged_at(const DaemonCluster& dc, int i,
                                              const std::string& text) {
    const auto log = dc.daemon_log(i);
    const auto at = log.find(text);
    if (at == std::string::npos)
        return std::nullopt;
    const auto line = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
    int h = 0, m = 0, sec = 0;
    if (std::sscanf(log.c_str() + line, "[%*d-%*d-%*d %d:%d:%d]", &h, &m, &sec) != 3)
        return std::nullopt;
    return std::chrono::seconds(h * 3600 + m * 60 + sec);
}

TEST_CASE(
    "with synchronous replication a primary that lost its standbys writes its fence event "
    "without waiting for them and goes read-only at once",
    "[daemon][fencing]") {
    DaemonCluster dc(fence_action("read-only"));
    auto& cluster = dc.cluster();
    cluster.psql(1, "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (node2, node3)'");
    cluster.psql(1, "SELECT pg_reload_conf()");
    cluster.wait_for_result(
        1, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'quorum'", "2");
    start_with_lease(dc);

    isolate_primary(dc);  // from now on every commit on node1 waits for a standby
    wait_read_only_fence(dc);
    require_waited(
        wait_until([&] { return logged(dc, 1, "fenced: default_transaction_read_only is on"); },
                   15s, 100ms),
        dc, "the read-only switch was not logged");
    const auto fenced = logged_at(dc, 1, "this node is fenced (read-only)");
    const auto applied = logged_at(dc, 1, "fenced: default_transaction_read_only is on");
    REQUIRE(fenced);
    REQUIRE(applied);
    INFO(dc.daemon_log(1));
    // Waiting for the standbys, the event's insert would hold the switch for its 5 s bound.
    CHECK((*applied - *fenced) <= 2s);
    CHECK(dc.has_event(1, 1, "pgwarden_fence"));
    CHECK_FALSE(failed_fence_event(dc, 1));
}

TEST_CASE(
    "an old primary started again after a failover is fenced read-only and what it learns of "
    "the new primary is recorded there",
    "[daemon][fencing]") {
    DaemonCluster dc(fence_action("read-only"));
    start_with_lease(dc);
    auto& cluster = dc.cluster();

    cluster.kill9(1);
    REQUIRE(dc.wait_primary(2, kFailoverTimeout));
    std::string why;
    REQUIRE(dc.wait_streaming(3, 2, kFailoverTimeout, &why));
    cluster.start(1);
    wait_read_only_fence(dc);
    // Which comes first is a race: the lease that ran out while node1 was down (fenced on its
    // own, the row written on itself before the switch; then it learns of node2) or the peers
    // check that sees node2 (fenced as superseded). Either way what node1 learned of node2
    // cannot be written on itself (read-only, about to be rewound): it is on node2, the primary.
    require_waited(wait_until(
                       [&] {
                           return dc.has_event(2, 1, "pgwarden_superseded") ||
                                  dc.has_event(2, 1, "pgwarden_fence");
                       },
                       20s, 100ms),
                   dc, "no pgwarden_superseded or pgwarden_fence row for node1 on node2");
    if (!dc.has_event(2, 1, "pgwarden_fence"))
        CHECK(dc.has_event(1, 1, "pgwarden_fence"));
    CHECK(logged(dc, 1, "recording this fenced node's events on the primary that superseded it"));
    CHECK_FALSE(failed_fence_event(dc, 1));
    CHECK(wait_until([&] { return dc.notified(1, "1 pgwarden_fence 1"); }, 10s, 100ms));
}

TEST_CASE("a running primary superseded by a promotion records its fence on the new primary",
          "[daemon][fencing]") {
    DaemonCluster dc(fence_action("read-only"));
    start_with_lease(dc);
    auto& cluster = dc.cluster();

    // Node2 promoted behind the daemons' backs: on timeline 2, later than node1's.
    cluster.promote(2);
    wait_read_only_fence(dc);
    require_waited(dc.wait_event(2, 1, "pgwarden_fence", 10s), dc,
                   "no pgwarden_fence row for node1 on node2");
    CHECK_FALSE(dc.has_event(1, 1, "pgwarden_fence"));
    CHECK_FALSE(failed_fence_event(dc, 1));
    CHECK(wait_until([&] { return dc.notified(1, "1 pgwarden_fence 1"); }, 10s, 100ms));
}

namespace {

// Node 1 isolated with fence-action stop: stopped within the fence timeout and a bound, its lease
// and probe say fenced, its daemon runs on and leaves the server down, and the pgwarden_fence
// row was written before the stop.
void check_stopped_by_fence(DaemonCluster& dc) {
    dc.start_daemons();
    auto& cluster = dc.cluster();
    ProbeProcess probe1(cluster.node(1).conninfo(), cluster.dir() + "/probe1.log",
                        {"--node-id", "1", "--lease-directory", cluster.node(1).node_dir});
    require_waited(wait_until([&] { return probe1.status("/primary") == 200; }, 20s, 100ms), dc,
                   "node1's probe did not answer 200");

    // From the moment the last standby is down: the lease was confirmed last before that.
    isolate_primary(dc);
    require_waited(
        wait_until([&] { return !cluster.running(1); }, kFenceTimeout + kFenceBound, 100ms), dc,
        "node1 was not stopped by its fence");
    CHECK(logged(dc, 1, "this node is fenced (stop)"));
    CHECK(lease_verdict(dc, 1) == pgwarden::failover::LeaseVerdict::fenced);
    CHECK(probe1.status("/primary") == 503);

    // The daemon goes on, fenced: it does not start the server again nor give up on it.
    std::this_thread::sleep_for(5s);
    CHECK(dc.daemon_running(1));
    CHECK_FALSE(cluster.running(1));
    CHECK(lease_verdict(dc, 1) == pgwarden::failover::LeaseVerdict::fenced);
    CHECK(wait_until([&] { return logged(dc, 1, "monitoring primary node"); }, 5s, 100ms));
    CHECK_THAT(dc.daemon_log(1), Catch::Contains(": fenced") &&
                                     !Catch::Contains("pgwardend terminating") &&
                                     !Catch::Contains("repmgrd_local_disconnect"));

    // Started by hand with the standbys still away: still fenced, and the row written before
    // the stop is there.
    cluster.start(1);
    CHECK(dc.has_event(1, 1, "pgwarden_fence"));
    CHECK(probe1.status("/primary") == 503);
    CHECK(dc.daemon_running(1));
}

}  // namespace

TEST_CASE(
    "a primary with fence-action stop that loses its majority is stopped with pg_ctl and "
    "its daemon stays, fenced",
    "[daemon][fencing]") {
    // log_status_interval: the daemon's status line says it is fenced.
    DaemonCluster dc(fence_action("stop", {"log_status_interval=1"}));
    check_stopped_by_fence(dc);
    CHECK(logged(dc, 1, "pg_ctl -D '"));
}

TEST_CASE("fence-action stop runs service_stop_command when it is set", "[daemon][fencing]") {
    DaemonCluster dc(fence_action("stop", {"log_status_interval=1"}));
    const auto& node = dc.cluster().node(1);
    // The marker proves the command ran; pg_ctl does the stopping. Appended before any daemon
    // starts: the last value of a key wins.
    const std::string marker = node.node_dir + "/service-stop-command-ran";
    {
        std::ofstream conf(dc.conf(1), std::ios::app);
        conf << fmt::format("service_stop_command='touch {} && {}/pg_ctl -D {} stop -m fast -w'\n",
                            marker, PgCluster::kBinDir, node.data_dir);
        REQUIRE(conf.flush());
    }
    check_stopped_by_fence(dc);
    CHECK(std::filesystem::exists(marker));
    CHECK_FALSE(logged(dc, 1, "pg_ctl -D '"));
}
