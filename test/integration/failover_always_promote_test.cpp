// always_promote: node2's record has no upstream (stale metadata). Its pgwardend monitors the
// primary anyway, wins the election on priority, and promotes only with always_promote=true.
#include "daemon_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::DaemonCluster;
using pgwarden::test::DaemonClusterOptions;

namespace {

// Detection + 3 attempts 1 s apart + election + promote, with room for a busy machine.
constexpr auto kFailoverTimeout = 30s;
// How long a promotion that must not happen is given: reconnect_attempts × reconnect_interval,
// plus the election and a promotion.
constexpr auto kNoPromotionWatch = 8s;

constexpr auto kRefusal = "has no upstream node, so its metadata may be stale: not promoting";

void require_logged(bool ok, const DaemonCluster& dc, const std::string& what) {
    INFO(what << "\n" << dc.all_logs());
    REQUIRE(ok);
}

bool logged(const DaemonCluster& dc, int i, const std::string& text) {
    return dc.daemon_log(i).find(text) != std::string::npos;
}

// node3 has a lower priority, so with equal LSNs node2 wins; node2's record loses its upstream
// before the daemons start, and node1 is killed once everyone has replayed everything. Returns
// when it was killed.
std::chrono::steady_clock::time_point kill_primary_with_node2_stale(DaemonCluster& dc) {
    auto& cluster = dc.cluster();
    cluster.psql(1, "UPDATE repmgr.nodes SET upstream_node_id = NULL WHERE node_id = 2");
    cluster.wait_caught_up(2, 1);
    cluster.wait_caught_up(3, 1);
    dc.start_daemons();
    require_logged(logged(dc, 2,
                          "has no upstream node (stale metadata?): monitoring the primary "
                          "\"node1\" (ID: 1) instead"),
                   dc, "node2 did not say why it monitors the primary");
    cluster.kill9(1);
    return std::chrono::steady_clock::now();
}

DaemonClusterOptions options(bool always_promote) {
    DaemonClusterOptions options;
    options.extra_conf = [always_promote](int i) {
        if (i == 3)
            return std::vector<std::string>{"priority=50"};
        if (i == 2 && always_promote)
            return std::vector<std::string>{"always_promote=true"};
        return std::vector<std::string>{};
    };
    return options;
}

}  // namespace

TEST_CASE("a winner whose record has no upstream is not promoted without always_promote",
          "[daemon]") {
    DaemonCluster dc(options(false));
    const auto killed_at = kill_primary_with_node2_stale(dc);
    require_logged(
        pgwarden::test::wait_until([&] { return logged(dc, 2, kRefusal); }, kFailoverTimeout), dc,
        "node2 did not log why it refuses to promote");
    std::this_thread::sleep_until(killed_at + kNoPromotionWatch);
    INFO(dc.all_logs());
    CHECK(logged(dc, 2,
                 "[HINT] set \"always_promote=true\" in repmgr.conf to promote anyway, or "
                 "re-register this node with \"standby register --force\""));
    CHECK_FALSE(logged(dc, 2, "promote_command is"));
    // The event's notification runs after the refusal's log line, on a busy machine later still.
    CHECK(pgwarden::test::wait_until([&] { return dc.notified(2, "2 repmgrd_promote_error 0"); },
                                     10s));
    CHECK(dc.cluster().is_in_recovery(2));
    CHECK(dc.cluster().is_in_recovery(3));
    CHECK(dc.daemon_running(2));
}

TEST_CASE("always_promote promotes a winner whose record has no upstream and the other follows",
          "[daemon]") {
    DaemonCluster dc(options(true));
    kill_primary_with_node2_stale(dc);
    require_logged(dc.wait_primary(2, kFailoverTimeout), dc, "node2 was not promoted");
    std::string why;
    require_logged(dc.wait_streaming(3, 2, kFailoverTimeout, &why), dc,
                   "node3 does not stream from node2: " + why);
    INFO(dc.all_logs());
    CHECK(logged(dc, 2, "\"always_promote\" is set: promoting anyway"));
    CHECK_FALSE(logged(dc, 2, kRefusal));
    CHECK(dc.cluster().is_in_recovery(3));
}
