// standby register's waits (--wait-start, --wait-sync), its -F placeholder for an upstream that
// is not registered yet, and primary unregister of a failed primary: each run by the real
// repmgr 5.3 and by pgwarden from the same starting point, and the outcomes compared.
#include "pg_cluster.hpp"
#include "process.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <future>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace pgwarden::test;

namespace {

// Every node row as read on node i, in a form two registrations can be compared by.
std::string node_rows(const PgCluster& cluster, int i) {
    return cluster.psql(
        i,
        "SELECT string_agg(concat_ws(':', node_id, upstream_node_id, active, node_name, type,"
        " location, priority, conninfo, repluser, slot_name, config_file), E'\\n'"
        " ORDER BY node_id) FROM repmgr.nodes");
}

// The events as read on node i; the seconds a wait took are left out.
std::string event_rows(const PgCluster& cluster, int i) {
    return cluster.psql(
        i,
        "SELECT string_agg(concat_ws(':', node_id, event, successful,"
        " regexp_replace(details, 'after [0-9]+ seconds', 'after N seconds')), E'\\n'"
        " ORDER BY event_timestamp, event) FROM repmgr.events");
}

// What repmgr and pgwarden each did with the same command on the same starting point.
struct Outcome {
    int exit_code = -1;
    std::string err;  // the log lines
    std::string nodes;
    std::string events;
};

// Makes node i refuse every non-replication TCP connection (its walreceiver keeps streaming),
// or accept them again; reloads with pg_ctl, as psql would be refused.
void refuse_connections(const PgCluster& cluster, int i, const std::string& original_hba,
                        bool refuse) {
    const std::string path = cluster.node(i).data_dir + "/pg_hba.conf";
    std::ofstream(path, std::ios::trunc)
        << (refuse ? "host all all 127.0.0.1/32 reject\n" : "") << original_hba;
    pgwarden::test::run_checked(
        {PgCluster::pg_bin("pg_ctl"), "reload", "-D", cluster.node(i).data_dir},
        std::chrono::seconds(60), true);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// node1 registered as the primary by the real repmgr; the other nodes are streaming standbys
// with a repmgr.conf each (conf2 = conf(2)), not registered yet.
struct PrimaryRegistered {
    explicit PrimaryRegistered(int nodes) : cluster(nodes, with_repmgr_library()) {
        for (int i = 1; i <= nodes; ++i)
            confs.push_back(write_conf(cluster, i));
        const auto registered = run_repmgr(conf(1), {"primary", "register"});
        if (!registered.ok())
            throw std::runtime_error(registered.describe());
        for (int i = 2; i <= nodes; ++i)
            cluster.wait_caught_up(i, 1);
    }
    const std::string& conf(int i) const { return confs.at(static_cast<std::size_t>(i - 1)); }

    PgCluster cluster;
    std::vector<std::string> confs;
};

}  // namespace

TEST_CASE(
    "standby register --wait-start waits for the standby to accept connections up to its "
    "limit as repmgr does",
    "[cli][register]") {
    PrimaryRegistered fixture(2);
    auto& cluster = fixture.cluster;
    const auto& conf2 = fixture.conf(2);
    const std::string hba = read_file(cluster.node(2).data_dir + "/pg_hba.conf");

    // Refusing for good: both give up after the limit, with the same exit code, nothing written.
    refuse_connections(cluster, 2, hba, true);
    const auto before = node_rows(cluster, 1) + event_rows(cluster, 1);
    const auto started = std::chrono::steady_clock::now();
    const auto ours_down = run_pgwarden(conf2, {"standby", "register", "--wait-start=2"});
    const auto waited = std::chrono::steady_clock::now() - started;
    const auto theirs_down = run_repmgr(conf2, {"standby", "register", "--wait-start=2"});
    INFO(ours_down.describe() << "\n" << theirs_down.describe());
    CHECK(ours_down.exit_code == theirs_down.exit_code);
    CHECK(ours_down.exit_code == 1);
    CHECK(waited >= 2s);
    CHECK(waited < 30s);
    CHECK(node_rows(cluster, 1) + event_rows(cluster, 1) == before);

    // Accepting again while the command waits: both register the same row.
    std::vector<Outcome> outcomes;
    for (const bool ours : {false, true}) {
        refuse_connections(cluster, 2, hba, true);
        auto opener = std::async(std::launch::async, [&] {
            std::this_thread::sleep_for(3s);
            refuse_connections(cluster, 2, hba, false);
        });
        const std::vector<std::string> args = {"standby", "register", "--wait-start=30"};
        const auto result = ours ? run_pgwarden(conf2, args) : run_repmgr(conf2, args);
        opener.get();
        INFO(result.describe());
        CHECK(result.ok());
        CHECK(result.err.find("connected to local node \"node2\" (ID: 2) after") !=
              std::string::npos);
        outcomes.push_back({result.exit_code, "", node_rows(cluster, 1), ""});
        cluster.psql(1, "DELETE FROM repmgr.nodes WHERE node_id = 2");
    }
    CHECK(outcomes[0].nodes == outcomes[1].nodes);
    CHECK(outcomes[1].nodes.find("2:1:t:node2:standby") != std::string::npos);
}

TEST_CASE(
    "standby register --wait-sync waits for the record on the standby and times out "
    "with repmgr's exit code and events",
    "[cli][register]") {
    PrimaryRegistered fixture(2);
    auto& cluster = fixture.cluster;
    const auto& conf2 = fixture.conf(2);

    // Each program starts from the same metadata: node1 only, no events.
    auto run_both = [&](const std::vector<std::string>& args, bool replay_paused) {
        std::vector<Outcome> outcomes;
        for (const bool ours : {false, true}) {
            cluster.psql(1, "DELETE FROM repmgr.nodes WHERE node_id = 2");
            cluster.psql(1, "DELETE FROM repmgr.events");
            cluster.wait_caught_up(2, 1);
            if (replay_paused)
                cluster.psql(2, "SELECT pg_catalog.pg_wal_replay_pause()");
            const auto result = ours ? run_pgwarden(conf2, args) : run_repmgr(conf2, args);
            INFO(result.describe());
            if (replay_paused)
                cluster.psql(2, "SELECT pg_catalog.pg_wal_replay_resume()");
            outcomes.push_back(
                {result.exit_code, "", node_rows(cluster, 1), event_rows(cluster, 1)});
        }
        INFO("repmgr:\n" << outcomes[0].events << "\npgwarden:\n" << outcomes[1].events);
        CHECK(outcomes[1].exit_code == outcomes[0].exit_code);
        CHECK(outcomes[1].nodes == outcomes[0].nodes);
        CHECK(outcomes[1].events == outcomes[0].events);
        return outcomes[1];
    };

    const auto synced = run_both({"standby", "register", "--wait-sync=30"}, false);
    CHECK(synced.exit_code == 0);
    CHECK(synced.events ==
          "2:standby_register:t:standby registration succeeded; upstream node ID is 1\n"
          "2:standby_register_sync:t:node record synchronised after N seconds");

    // Replay paused on the standby: the record never arrives within the limit.
    const auto started = std::chrono::steady_clock::now();
    const auto timed_out = run_both({"standby", "register", "--wait-sync=2"}, true);
    CHECK(std::chrono::steady_clock::now() - started >= 4s);  // 2 s for each program
    CHECK(timed_out.exit_code == 20);                         // ERR_REGISTRATION_SYNC
    CHECK(timed_out.events.find("2:standby_register_sync:f:") != std::string::npos);
}

TEST_CASE("primary unregister removes the record of a failed primary as repmgr does",
          "[cli][register]") {
    PrimaryRegistered fixture(2);
    auto& cluster = fixture.cluster;
    const auto& conf2 = fixture.conf(2);
    REQUIRE(run_repmgr(conf2, {"standby", "register"}).ok());
    cluster.wait_caught_up(2, 1);
    // node1 fails; node2 is promoted and node1's record is left as an inactive primary.
    cluster.stop(1);
    const auto promoted = run_repmgr(conf2, {"standby", "promote"});
    INFO(promoted.describe());
    REQUIRE(promoted.ok());
    REQUIRE(cluster.psql(2, "SELECT active FROM repmgr.nodes WHERE node_id = 1") == "f");
    const std::string saved =
        cluster.psql(2, "SELECT row_to_json(n) FROM repmgr.nodes n WHERE node_id = 1");

    const std::vector<std::string> args = {"primary", "unregister", "--node-id", "1"};
    std::vector<Outcome> outcomes;
    for (const bool ours : {false, true}) {
        cluster.psql(2, "DELETE FROM repmgr.events");
        const auto result = ours ? run_pgwarden(conf2, args) : run_repmgr(conf2, args);
        outcomes.push_back(
            {result.exit_code, result.err, node_rows(cluster, 2), event_rows(cluster, 2)});
        // Put node1's record back for the other program.
        cluster.psql(2,
                     "INSERT INTO repmgr.nodes SELECT * FROM"
                     " json_populate_record(NULL::repmgr.nodes, '" +
                         saved + "')");
    }
    INFO("repmgr:\n"
         << outcomes[0].err << outcomes[0].events << "\npgwarden:\n"
         << outcomes[1].err << outcomes[1].events);
    CHECK(outcomes[1].exit_code == 0);
    CHECK(outcomes[1].exit_code == outcomes[0].exit_code);
    CHECK(outcomes[1].err == outcomes[0].err);
    CHECK(outcomes[1].nodes == outcomes[0].nodes);
    CHECK(outcomes[1].nodes.rfind("2:", 0) == 0);  // only node2 is left
    CHECK(outcomes[1].events == outcomes[0].events);
    // Recorded as an event of the node that ran the command.
    CHECK(outcomes[1].events ==
          "2:primary_unregister:t:node \"node1\" (ID: 1) unregistered from node \"node2\" (ID: 2)");
}

TEST_CASE("standby register -F with an unregistered upstream writes repmgr's placeholder record",
          "[cli][register]") {
    PrimaryRegistered fixture(3);
    auto& cluster = fixture.cluster;
    const auto& conf2 = fixture.conf(2);
    const auto& conf3 = fixture.conf(3);

    // For each program: the rows right after node3 registered with the placeholder for node2,
    // then everything once node2 registered itself over its placeholder.
    std::vector<std::string> with_placeholder;
    std::vector<Outcome> outcomes;
    for (const bool ours : {false, true}) {
        cluster.psql(1, "DELETE FROM repmgr.nodes WHERE node_id IN (2, 3)");
        cluster.psql(1, "DELETE FROM repmgr.events");
        cluster.wait_caught_up(3, 1);
        const std::vector<std::string> args = {"standby", "register", "-F", "--upstream-node-id",
                                               "2"};
        const auto placeholder = ours ? run_pgwarden(conf3, args) : run_repmgr(conf3, args);
        INFO(placeholder.describe());
        CHECK(placeholder.ok());
        CHECK(placeholder.err.find("creating placeholder record for upstream node 2") !=
              std::string::npos);
        with_placeholder.push_back(node_rows(cluster, 1));
        cluster.wait_caught_up(2, 1);
        const std::vector<std::string> args2 = {"standby", "register", "-F"};
        const auto upstream = ours ? run_pgwarden(conf2, args2) : run_repmgr(conf2, args2);
        INFO(upstream.describe());
        CHECK(upstream.ok());
        outcomes.push_back({placeholder.exit_code, placeholder.err, node_rows(cluster, 1),
                            event_rows(cluster, 1)});
    }
    INFO("repmgr:\n" << with_placeholder[0] << "\npgwarden:\n" << with_placeholder[1]);
    CHECK(outcomes[1].exit_code == outcomes[0].exit_code);
    CHECK(with_placeholder[1] == with_placeholder[0]);
    // Inactive, nameless, attached to the primary (concat_ws leaves out the NULL conninfo).
    CHECK(with_placeholder[1].find("\n2:1:f::standby:default:100") != std::string::npos);
    CHECK(outcomes[1].nodes == outcomes[0].nodes);
    CHECK(outcomes[1].nodes.find("2:1:t:node2:standby") != std::string::npos);
    CHECK(outcomes[1].events == outcomes[0].events);
}
