// standby_disconnect_on_failover on real PostgreSQL 15: every standby stops its WAL receiver for
// the election, waits for its siblings' to stop, and lets it start again afterwards, so the
// winner is promoted, the loser streams from it, and no setting is left behind. The freeze is
// also tested on its own against a live primary.
#include "daemon_cluster.hpp"
#include "pg_cluster.hpp"
#include "wait.hpp"

#include "wal_receiver.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::DaemonCluster;
using pgwarden::test::DaemonClusterOptions;

namespace {

constexpr auto kFailoverTimeout = 40s;
constexpr const char* kRetryIntervalQuery =
    "SELECT setting FROM pg_catalog.pg_settings WHERE name = 'wal_retrieve_retry_interval'";
constexpr long long kFreezeMs = 86'400'000;  // the day a freeze adds

DaemonClusterOptions disconnecting(int node3_priority) {
    DaemonClusterOptions options;
    options.extra_conf = [node3_priority](int i) {
        std::vector<std::string> lines{"standby_disconnect_on_failover=true",
                                       "sibling_nodes_disconnect_timeout=10"};
        if (i == 3)
            lines.push_back(fmt::format("priority={}", node3_priority));
        return lines;
    };
    return options;
}

std::string auto_conf(DaemonCluster& dc, int i) {
    std::ifstream in(dc.cluster().node(i).data_dir + "/postgresql.auto.conf");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "with standby_disconnect_on_failover the standbys freeze their WAL receivers for the "
    "election and thaw them after it",
    "[daemon]") {
    DaemonCluster dc(disconnecting(50));
    // The harness's postgresql.conf sets it; what a thaw must bring back.
    const std::string configured = dc.cluster().psql(2, kRetryIntervalQuery);
    const std::string frozen = std::to_string(std::stoll(configured) + kFreezeMs);
    dc.start_daemons();
    dc.cluster().wait_caught_up(2, 1);
    dc.cluster().wait_caught_up(3, 1);
    dc.cluster().kill9(1);

    const bool promoted = dc.wait_primary(2, kFailoverTimeout);
    std::string why = "node2 was not promoted";
    // node3 streams from node2 only if its WAL receiver was let start again.
    const bool streaming = promoted && dc.wait_streaming(3, 2, kFailoverTimeout, &why);
    INFO(why << "\n" << dc.all_logs());
    REQUIRE(promoted);
    REQUIRE(streaming);
    for (const int i : {2, 3}) {
        const auto log = dc.daemon_log(i);
        CHECK(contains(
            log,
            fmt::format("setting \"wal_retrieve_retry_interval\" to {} milliseconds", frozen)));
        CHECK(contains(log, "WAL receiver disconnected on all 1 sibling nodes"));
        CHECK(contains(log, fmt::format("\"wal_retrieve_retry_interval\" set back to {} "
                                        "milliseconds",
                                        configured)));
        CHECK(dc.cluster().psql(i, kRetryIntervalQuery) == configured);
        // The setting came from postgresql.conf, so the thaw RESETs it rather than pinning it.
        CHECK_FALSE(contains(auto_conf(dc, i), "wal_retrieve_retry_interval"));
    }
    CHECK(dc.wait_event(2, 3, "repmgrd_failover_follow", 20s));
}

TEST_CASE(
    "pgwardend takes off a WAL receiver freeze left behind by a daemon that died mid-election",
    "[daemon]") {
    DaemonCluster dc(disconnecting(100));
    const std::string configured = dc.cluster().psql(2, kRetryIntervalQuery);
    const std::string frozen = std::to_string(std::stoll(configured) + kFreezeMs);
    dc.cluster().psql(2, "ALTER SYSTEM SET wal_retrieve_retry_interval = " + frozen);
    dc.cluster().psql(2, "SELECT pg_catalog.pg_reload_conf()");
    REQUIRE(pgwarden::test::wait_until(
        [&] { return dc.cluster().psql(2, kRetryIntervalQuery) == frozen; }, 10s, 100ms));

    dc.start_daemon(2);
    INFO(dc.daemon_log(2));
    CHECK(dc.cluster().psql(2, kRetryIntervalQuery) == configured);
    CHECK(contains(dc.daemon_log(2),
                   fmt::format("\"wal_retrieve_retry_interval\" set back to {}", configured)));
}

// The freeze on its own, with the primary alive: the local receiver is stopped and stays down
// while the primary writes, a sibling nobody froze is waited for only up to the timeout, and the
// thaw lets the receiver catch up.
TEST_CASE("a WAL receiver freeze stops a streaming receiver until the thaw", "[daemon]") {
    pgwarden::test::PgCluster pg(3);
    pgwarden::config::RepmgrConfig config;
    config.node_id = 2;
    config.conninfo = pg.node(2).conninfo();
    config.standby_disconnect_on_failover = true;
    config.sibling_nodes_disconnect_timeout = 1;
    pgwarden::cluster::NodeRecord sibling;
    sibling.node_id = 3;
    sibling.node_name = pg.node(3).name;
    sibling.conninfo = pg.node(3).conninfo();
    sibling.type = pgwarden::model::NodeType::standby;
    pg.wait_caught_up(2, 1);
    const auto receiver = [&] {
        return pg.psql(2, "SELECT count(*) FROM pg_catalog.pg_stat_wal_receiver");
    };
    REQUIRE(receiver() == "1");
    {
        const pgwarden::daemon::WalReceiverFreeze frozen(config, {sibling});
        CHECK(receiver() == "0");
        const auto received = pg.psql(2, "SELECT pg_catalog.pg_last_wal_receive_lsn()");
        pg.psql(1, "CREATE TABLE written_while_frozen AS SELECT 1 AS x");
        // Longer than the harness's wal_retrieve_retry_interval (1 s): no receiver came back.
        std::this_thread::sleep_for(2s);
        CHECK(receiver() == "0");
        CHECK(pg.psql(2, "SELECT pg_catalog.pg_last_wal_receive_lsn()") == received);
        // node3 was not frozen: its receiver still runs after the timeout was waited out.
        CHECK(pg.psql(3, "SELECT count(*) FROM pg_catalog.pg_stat_wal_receiver") == "1");
    }
    pg.wait_caught_up(2, 1);
    CHECK(pg.psql(2, "SELECT x FROM written_while_frozen") == "1");
    CHECK(pg.psql(2, kRetryIntervalQuery) == pg.psql(3, kRetryIntervalQuery));
}
