// A witness registered by the real `repmgr witness register`, with pgwardend on it: it counts
// for the majority (a lone standby without it does not promote), never promotes, and follows
// the new primary.
#include "binaries.hpp"
#include "daemon_cluster.hpp"
#include "log_file.hpp"
#include "postgres_user.hpp"
#include "run_command.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>

using namespace std::chrono_literals;
using namespace pgwarden::test;

namespace {

constexpr auto kFailoverTimeout = 40s;

// node1 primary, node2 standby (pgwardend on both), and a witness: its own PostgreSQL instance
// (node_id 3), registered against node1.
struct WitnessCluster {
    DaemonCluster dc;
    PgCluster witness_host{1, with_repmgr_library()};
    std::string witness_conf;
    std::optional<ChildProcess> witness_daemon;

    WitnessCluster() : dc(options()) {
        const auto& node = witness_host.node(1);
        witness_conf = node.node_dir + "/repmgr.conf";
        std::ofstream(witness_conf) << fmt::format(
            "node_id=3\nnode_name='witness'\nconninfo='{}'\ndata_directory='{}'\n"
            "monitor_interval_secs=1\nreconnect_attempts=3\nreconnect_interval=1\n"
            "log_file='{}/pgwardend.log'\n",
            node.conninfo(), node.data_dir, node.node_dir);
        give_to_postgres(witness_conf);
        const auto& primary = dc.cluster().node(1);
        run_checked({kRepmgr, "-f", witness_conf, "witness", "register", "-h", "127.0.0.1", "-p",
                     std::to_string(primary.port), "-U", "postgres", "-d", "postgres"},
                    60s, true);
        dc.cluster().wait_caught_up(2, 1);
    }

    static DaemonClusterOptions options() {
        DaemonClusterOptions options;
        options.nodes = 2;
        options.extra_conf = [](int) {
            return std::vector<std::string>{"election_rerun_interval=2", "log_level=DEBUG"};
        };
        return options;
    }

    void start_witness_daemon() {
        const auto& node = witness_host.node(1);
        witness_daemon.emplace(
            std::vector<std::string>{pgwarden::test::daemon_bin(), "-f", witness_conf,
                                     "--daemonize=false", "--no-pid-file", "--ini",
                                     daemon_test_ini(node.node_dir)},
            node.node_dir + "/pgwardend.stderr", true);
        REQUIRE(wait_until(
            [&] {
                return witness_log().find("monitoring connection to upstream") != std::string::npos;
            },
            20s, 200ms));
    }

    std::string witness_log() const {
        std::ifstream in(witness_host.node(1).node_dir + "/pgwardend.log");
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    std::string logs() const { return dc.all_logs() + "===== witness =====\n" + witness_log(); }
};

}  // namespace

TEST_CASE("with a witness up the standby is promoted and the witness follows it", "[daemon]") {
    WitnessCluster wc;
    wc.dc.start_daemons();
    wc.start_witness_daemon();
    wc.dc.cluster().kill9(1);
    const bool promoted = wc.dc.wait_primary(2, kFailoverTimeout);
    INFO(wc.logs());
    REQUIRE(promoted);
    // The witness points at the new primary, in the metadata and in its own copy of it.
    CHECK(wait_until(
        [&] {
            return wc.dc.cluster().psql(
                       2, "SELECT upstream_node_id FROM repmgr.nodes WHERE node_id = 3") == "2";
        },
        20s, 200ms));
    CHECK(wait_until(
        [&] {
            return wc.witness_host.psql(
                       1, "SELECT upstream_node_id FROM repmgr.nodes WHERE node_id = 3") == "2";
        },
        20s, 200ms));
    CHECK(wc.dc.wait_event(2, 3, "repmgrd_failover_follow", 10s));
    CHECK(wc.witness_host.psql(1, "SELECT pg_is_in_recovery()") == "f");
}

TEST_CASE("without its witness a lone standby does not promote until the witness is back",
          "[daemon]") {
    WitnessCluster wc;
    wc.dc.start_daemons();
    wc.witness_host.stop(1);
    wc.dc.cluster().kill9(1);
    // Three attempts a second apart, the election: no majority, no promotion.
    const bool no_majority = wait_for_log([&] { return wc.dc.daemon_log(2); },
                                          "only 1 of 2 nodes are visible", kFailoverTimeout);
    INFO(wc.logs());
    CHECK(no_majority);
    CHECK(wc.dc.cluster().is_in_recovery(2));

    wc.witness_host.start(1);
    const bool promoted = wc.dc.wait_primary(2, kFailoverTimeout);
    INFO(wc.logs());
    CHECK(promoted);
}
