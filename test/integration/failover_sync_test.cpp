// Synchronous replication in pgwardend's election, on real four-node PostgreSQL 15 clusters: the
// primary fails after (or with) the standbys that hold its last acknowledged commits, and no other
// standby is promoted until one of those is back; then every acknowledged row (written by a
// client behind HAProxy and pgwarden-probe) is on the new primary.
#include "daemon_cluster.hpp"
#include "haproxy.hpp"
#include "probe_fixture.hpp"
#include "repmgr_conf.hpp"
#include "run_command.hpp"
#include "wait.hpp"

#include "lease/replication_file.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::DaemonCluster;
using pgwarden::test::DaemonClusterOptions;
using pgwarden::test::HaproxyProcess;
using pgwarden::test::ProbeProcess;
using pgwarden::test::server_port_through;
using pgwarden::test::wait_until;

namespace {

constexpr int kAcknowledgedRows = 20;
// Room for the reconnect attempts (3 x 1 s), the fence guard (4 s) and a rerun or two.
constexpr auto kRefusalTimeout = 40s;
// How long the refused standbys are watched for a promotion that must not happen: two more
// election reruns (election_rerun_interval=2) after the first refusal.
constexpr auto kNoPromotionWatch = 6s;
constexpr auto kFailoverTimeout = 60s;

DaemonClusterOptions four_nodes() {
    DaemonClusterOptions options;
    options.nodes = 4;
    options.extra_conf = [](int) { return std::vector<std::string>{"election_rerun_interval=2"}; };
    return options;
}

std::string replication_record(DaemonCluster& dc, int i) {
    return fmt::format("{}/replication-{}", dc.cluster().node(i).node_dir, i);
}

// Node i's pgwardend recorded the primary showing `standby` with `state`.
bool daemon_saw(DaemonCluster& dc, int i, const std::string& standby, const std::string& state) {
    const auto look = pgwarden::lease::look_at_replication_record(replication_record(dc, i));
    if (!look.record || !look.record->snapshot)
        return false;
    return pgwarden::failover::sync_state_of(*look.record->snapshot, standby) == state;
}

// Node i's pgwardend recorded `standby` gone from the primary while the primary waits for it.
bool daemon_saw_departed(DaemonCluster& dc, int i, const std::string& standby) {
    const auto look = pgwarden::lease::look_at_replication_record(replication_record(dc, i));
    if (!look.record || !look.record->snapshot)
        return false;
    const auto& standbys = look.record->snapshot->standbys;
    return std::any_of(standbys.begin(), standbys.end(), [&](const auto& seen) {
        return seen.departed && seen.application_name == standby;
    });
}

// The synchronous standby `standby` (node `standby_id`) dies first, and the daemons of
// `watchers` see the primary waiting without it; then the primary dies. The election must still
// know that the departed standby holds every acknowledged commit.
void kill_sync_standby_then_primary(DaemonCluster& dc, int standby_id,
                                    const std::vector<int>& watchers) {
    const auto standby = dc.cluster().node(standby_id).name;
    dc.cluster().kill9(standby_id);
    for (const int i : watchers) {
        INFO("node" << i << "\n" << dc.all_logs());
        REQUIRE(wait_until([&] { return daemon_saw_departed(dc, i, standby); }, 20s, 100ms));
    }
    dc.cluster().kill9(1);
}

// The standby stops receiving WAL (an empty primary_conninfo ends its WAL receiver on reload):
// what the primary acknowledges from now on is not on it.
void stop_receiving(pgwarden::test::PgCluster& cluster, int i) {
    cluster.psql(i, "ALTER SYSTEM SET primary_conninfo = ''");
    cluster.psql(i, "SELECT pg_reload_conf()");
    cluster.wait_for_result(i, "SELECT count(*) FROM pg_stat_wal_receiver", "0", 20s);
}

// A client behind HAProxy: one session per row, as an application that reconnects; the ids whose
// INSERT returned success are the acknowledged ones.
std::vector<int> write_through(int haproxy_port, int first, int count) {
    std::vector<int> acknowledged;
    for (int id = first; id < first + count; ++id) {
        const auto result = pgwarden::test::run_command(
            {pgwarden::test::PgCluster::pg_bin("psql"), "-X", "-At", "-h", "127.0.0.1", "-p",
             std::to_string(haproxy_port), "-U", "postgres", "-d", "postgres", "-c",
             fmt::format("INSERT INTO acknowledged VALUES ({})", id)},
            10s);
        if (result.ok())
            acknowledged.push_back(id);
    }
    return acknowledged;
}

// How many of `ids` node i holds.
std::size_t rows_held(pgwarden::test::PgCluster& cluster, int i, const std::vector<int>& ids) {
    std::string list;
    for (const int id : ids)
        list += (list.empty() ? "" : ",") + std::to_string(id);
    return std::stoul(
        cluster.psql(i, fmt::format("SELECT count(*) FROM acknowledged WHERE id IN ({})", list)));
}

// A client behind real HAProxy and one pgwarden-probe per node (the field's read-write
// listener): where its writes go is what the probes answer.
struct ClientBehindHaproxy {
    explicit ClientBehindHaproxy(pgwarden::test::PgCluster& cluster) : cluster(cluster) {
        std::vector<std::pair<int, int>> servers;
        for (int i = 1; i <= cluster.size(); ++i) {
            probes.push_back(std::make_unique<ProbeProcess>(
                cluster.node(i).conninfo(), fmt::format("{}/probe{}.log", cluster.dir(), i)));
            servers.emplace_back(cluster.node(i).port, probes.back()->port());
        }
        haproxy.emplace(cluster.dir(), servers);
    }
    // New sessions land on node i, a primary.
    bool routes_to(int i) {
        const auto primary_on = fmt::format("{}:false", cluster.node(i).port);
        return wait_until([&] { return server_port_through(haproxy->port()) == primary_on; }, 15s);
    }
    std::vector<int> write(int first, int count) {
        return write_through(haproxy->port(), first, count);
    }

    pgwarden::test::PgCluster& cluster;
    std::vector<std::unique_ptr<ProbeProcess>> probes;
    std::optional<HaproxyProcess> haproxy;
};

std::string row_count(pgwarden::test::PgCluster& cluster, int i) {
    return cluster.psql(i, "SELECT count(*) FROM acknowledged");
}

// `refused` nodes' daemons say why they promote nobody, and none of them is promoted.
void require_no_promotion(DaemonCluster& dc, const std::vector<int>& refused) {
    for (const int i : refused) {
        INFO(dc.all_logs());
        REQUIRE(pgwarden::test::wait_until(
            [&] { return dc.daemon_log(i).find("is not promoted: ") != std::string::npos; },
            kRefusalTimeout, 200ms));
    }
    std::this_thread::sleep_for(kNoPromotionWatch);
    for (const int i : refused) {
        INFO("node" << i << "\n" << dc.all_logs());
        CHECK(dc.cluster().is_in_recovery(i));
        CHECK_FALSE(dc.has_event(i, i, "repmgrd_failover_promote"));
    }
}

// The refusal shows in `pgwarden service status` on node i, with the primary's standbys.
void require_status_shows_refusal(DaemonCluster& dc, int i, const std::string& sync_line) {
    const auto ini = dc.cluster().node(i).node_dir + "/pgwarden.ini";
    const auto status =
        pgwarden::test::run_pgwarden(dc.conf(i), {"service", "status", "--ini", ini});
    INFO(status.out << status.err);
    CHECK(status.exit_code == 0);
    CHECK(status.out.find(sync_line) != std::string::npos);
    CHECK(status.out.find("Last election promoted nobody: ") != std::string::npos);
}

// The primary waits for `names`; each standby in `states` shows its state in the primary's
// pg_stat_replication and in the record of every pgwardend started after this.
void use_sync_standbys(DaemonCluster& dc, const std::string& names,
                       const std::vector<std::pair<std::string, std::string>>& states) {
    auto& cluster = dc.cluster();
    cluster.psql(1, "CREATE TABLE acknowledged (id int PRIMARY KEY)");
    cluster.psql(1, fmt::format("ALTER SYSTEM SET synchronous_standby_names = '{}'", names));
    cluster.psql(1, "SELECT pg_reload_conf()");
    for (const auto& [standby, state] : states)
        cluster.wait_for_result(
            1,
            fmt::format("SELECT sync_state FROM pg_stat_replication WHERE application_name = '{}'",
                        standby),
            state, 20s);
    for (int i = 2; i <= cluster.size(); ++i)
        cluster.wait_caught_up(i, 1);
    dc.start_daemons();
    for (int i = 2; i <= cluster.size(); ++i) {
        INFO("node" << i << "\n" << dc.all_logs());
        REQUIRE(pgwarden::test::wait_until(
            [&] { return daemon_saw(dc, i, states.back().first, states.back().second); }, 20s,
            100ms));
    }
}

}  // namespace

TEST_CASE(
    "FIRST 1: the synchronous standby fails, then the primary: the asynchronous standbys "
    "are not promoted, and the synchronous one is once it is back, with every row a client "
    "behind HAProxy had acknowledged",
    "[failover][sync][haproxy]") {
    DaemonCluster dc(four_nodes());
    auto& cluster = dc.cluster();
    use_sync_standbys(dc, "FIRST 1 (node2)", {{"node2", "sync"}});
    ClientBehindHaproxy client(cluster);
    REQUIRE(client.routes_to(1));

    stop_receiving(cluster, 3);
    stop_receiving(cluster, 4);
    auto acknowledged = client.write(1, kAcknowledgedRows);
    REQUIRE_FALSE(acknowledged.empty());
    REQUIRE(row_count(cluster, 3) == "0");  // an LSN election would lose every row

    kill_sync_standby_then_primary(dc, 2, {3, 4});
    require_no_promotion(dc, {3, 4});
    require_status_shows_refusal(dc, 3, "  node2: sync");
    // Nobody answers 200: no write is taken anywhere meanwhile.
    CHECK(client.write(1000, 3).empty());

    cluster.start(2);
    INFO(dc.all_logs());
    REQUIRE(dc.wait_primary(2, kFailoverTimeout));
    REQUIRE(client.routes_to(2));
    const auto after = client.write(2000, 5);
    CHECK_FALSE(after.empty());
    acknowledged.insert(acknowledged.end(), after.begin(), after.end());
    CHECK(rows_held(cluster, 2, acknowledged) == acknowledged.size());
    std::string why;
    CHECK(dc.wait_streaming(3, 2, kFailoverTimeout, &why));
}

TEST_CASE(
    "ANY 1 of 2: with one quorum standby unreachable nobody is promoted, and once it is back the "
    "most advanced of the two is, with every acknowledged row",
    "[failover][sync]") {
    DaemonCluster dc(four_nodes());
    auto& cluster = dc.cluster();
    use_sync_standbys(dc, "ANY 1 (node2, node3)", {{"node2", "quorum"}, {"node3", "quorum"}});
    ClientBehindHaproxy client(cluster);
    REQUIRE(client.routes_to(1));

    // From here only node3 acknowledges: node2 and node4 fall behind.
    stop_receiving(cluster, 2);
    stop_receiving(cluster, 4);
    auto acknowledged = client.write(1, kAcknowledgedRows);
    REQUIRE_FALSE(acknowledged.empty());
    REQUIRE(row_count(cluster, 2) == "0");

    kill_sync_standby_then_primary(dc, 3, {2, 4});
    // node2 and node4 are a majority of the three left, but only one of the two quorum standbys
    // is visible: ANY 1 of 2 needs both to know who holds every acknowledged commit.
    require_no_promotion(dc, {2, 4});
    require_status_shows_refusal(dc, 2, "  node3: quorum");

    CHECK(client.write(1000, 3).empty());

    cluster.start(3);
    INFO(dc.all_logs());
    REQUIRE(dc.wait_primary(3, kFailoverTimeout));
    REQUIRE(client.routes_to(3));
    const auto after = client.write(2000, 5);
    CHECK_FALSE(after.empty());
    acknowledged.insert(acknowledged.end(), after.begin(), after.end());
    CHECK(rows_held(cluster, 3, acknowledged) == acknowledged.size());
    CHECK(cluster.is_in_recovery(2));
    CHECK(cluster.is_in_recovery(4));
}

TEST_CASE(
    "maximum-lag-on-failover: the only candidate, further behind the primary's last seen LSN, is "
    "not promoted",
    "[failover][sync]") {
    DaemonClusterOptions options;
    options.extra_conf = [](int i) {
        std::vector<std::string> lines{"election_rerun_interval=2"};
        if (i == 3)
            lines.emplace_back("priority=0");  // visible for the majority, never a candidate
        return lines;
    };
    options.daemon_ini = [](int) {
        return std::vector<std::string>{"maximum-lag-on-failover = 64kB"};
    };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    dc.start_daemons();
    stop_receiving(cluster, 2);
    cluster.psql(1, "CREATE TABLE bulk AS SELECT g FROM generate_series(1, 100000) g");
    const auto primary_lsn =
        std::stoull(cluster.psql(1, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"));
    // node2's daemon has seen the primary past the bulk load it lacks.
    REQUIRE(wait_until(
        [&] {
            const auto look =
                pgwarden::lease::look_at_replication_record(replication_record(dc, 2));
            return look.record && look.record->snapshot &&
                   look.record->snapshot->primary_lsn >= primary_lsn;
        },
        20s, 100ms));

    cluster.kill9(1);
    require_no_promotion(dc, {2});
    INFO(dc.daemon_log(2));
    CHECK(dc.daemon_log(2).find("more than maximum-lag-on-failover (65536)") != std::string::npos);
}
