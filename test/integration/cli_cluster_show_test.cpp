// `pgwarden cluster show` and `service status` beside the real repmgr 5.3 on the same cluster,
// registered by repmgr itself: stdout and exit codes must be the same.
#include "pg_cluster.hpp"
#include "process.hpp"
#include "repmgr_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

void require_same_cluster_show(const RepmgrCluster& rc, int i) {
    require_same(rc, i, {"cluster", "show"});
    require_same(rc, i, {"cluster", "show", "--compact"});
    require_same(rc, i, {"cluster", "show", "--csv"});
    require_same(rc, i, {"cluster", "show", "--terse"});
}

}  // namespace

TEST_CASE("cluster show on a healthy three-node cluster prints what repmgr prints",
          "[cli][cluster-show]") {
    RepmgrCluster rc(3);
    require_same_cluster_show(rc, 1);
    require_same_cluster_show(rc, 3);
    require_same(rc, 2, {"service", "status"});
    require_same(rc, 2, {"service", "status", "--csv"});
    require_same(rc, 2, {"daemon", "status"});

    const auto json = rc.pgwarden(1, {"cluster", "show", "--json"});
    INFO(json.out << json.err);
    REQUIRE(json.exit_code == 0);
    CHECK(json.out.find("\"name\": \"node2\", \"role\": \"standby\", \"status\": \"running\", "
                        "\"upstream\": \"node1\"") != std::string::npos);
    CHECK(json.out.find("\"replay_lag_bytes\": null") != std::string::npos);  // the primary
    CHECK(json.out.find("\"timeline\": 1") != std::string::npos);
}

TEST_CASE("cluster show matches repmgr with a standby stopped and then a second primary",
          "[cli][cluster-show]") {
    RepmgrCluster rc(3);

    rc.cluster.stop(3);
    require_same_cluster_show(rc, 1);
    require_same(rc, 1, {"cluster", "show", "--verbose"});
    require_same(rc, 1, {"service", "status"});
    require_same(rc, 1, {"service", "status", "--csv"});
    const auto json = rc.pgwarden(1, {"cluster", "show", "--json"});
    CHECK(json.exit_code == 25);
    CHECK(json.out.find("\"status\": \"? unreachable\"") != std::string::npos);

    // node2 promoted behind repmgr's back while node1 stays up: "! running as primary".
    rc.cluster.promote(2);
    require_same_cluster_show(rc, 1);
    require_same_cluster_show(rc, 2);
    require_same(rc, 2, {"service", "status"});
}

TEST_CASE("cluster show matches repmgr for a node refusing connections and a local node down",
          "[cli][cluster-show]") {
    RepmgrCluster rc(2);
    // node2 answers but its pg_hba.conf turns every TCP connection away: "? running".
    const std::string hba = rc.cluster.node(2).data_dir + "/pg_hba.conf";
    std::string rules;
    {
        std::ifstream in(hba);
        rules.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    std::ofstream(hba) << "host all all 127.0.0.1/32 reject\n" << rules;
    run_checked({PgCluster::pg_bin("pg_ctl"), "reload", "-D", rc.cluster.node(2).data_dir}, 30s,
                true);
    require_same_cluster_show(rc, 1);
    require_same(rc, 1, {"service", "status"});
    const auto json = rc.pgwarden(1, {"cluster", "show", "--json"});
    CHECK(json.out.find("\"status\": \"? running\"") != std::string::npos);

    // The local node down: no metadata to read, the same error exit as repmgr.
    rc.cluster.stop(1);
    require_same(rc, 1, {"cluster", "show"});
    require_same(rc, 1, {"service", "status"});
}

namespace {

// "12 second(s) ago" (--compact: "12 sec(s) ago") moves between two runs; compare the rest.
std::string without_seconds(std::string text) {
    static const std::regex seconds("[0-9]+ (second|sec)\\(s\\) ago");
    static const std::regex csv_last_seen(",[0-9]+,([^,\\n]*)\\n");
    text = std::regex_replace(text, seconds, "N $1(s) ago");
    return std::regex_replace(text, csv_last_seen, ",N,$1\n");
}

void require_same_service_status(const RepmgrCluster& rc, int i) {
    const std::vector<std::vector<std::string>> forms = {
        {"service", "status"},
        {"service", "status", "--csv"},
        {"service", "status", "--detail"},
        {"service", "status", "--detail", "--compact"}};
    for (const auto& args : forms) {
        const auto theirs = rc.repmgr(i, args);
        const auto ours = rc.pgwarden(i, args);
        INFO("repmgr:\n" << theirs.out << theirs.err << "pgwarden:\n" << ours.out << ours.err);
        CHECK(without_seconds(ours.out) == without_seconds(theirs.out));
        CHECK(ours.exit_code == theirs.exit_code);
    }
}

}  // namespace

TEST_CASE("service status reads a running and a paused repmgrd as repmgr does",
          "[cli][cluster-show]") {
    RepmgrCluster rc(2);
    std::vector<ChildProcess> daemons;
    for (int i = 1; i <= 2; ++i) {
        daemons.emplace_back(
            std::vector<std::string>{"/usr/lib/postgresql/15/bin/repmgrd", "-f", rc.conf(i),
                                     "--daemonize=false", "--no-pid-file"},
            rc.cluster.dir() + "/repmgrd" + std::to_string(i) + ".log", true);
    }
    // Both daemons have published their PID and the standby has seen its upstream.
    const bool ready = wait_until(
        [&] {
            const auto csv = rc.repmgr(1, {"service", "status", "--csv"}).out;
            return std::regex_search(csv, std::regex("^1,node1,primary,1,1,[0-9]+,0,")) &&
                   std::regex_search(csv, std::regex("\n2,node2,standby,1,1,[0-9]+,0,100,[0-9]"));
        },
        30s);
    INFO(daemons[0].log_contents() << daemons[1].log_contents());
    REQUIRE(ready);
    require_same_service_status(rc, 1);

    require_same(rc, 1, {"node", "check", "--repmgrd"});
    CHECK(rc.pgwarden(1, {"node", "check", "--repmgrd"}).out == "OK (repmgrd running)\n");

    run_checked({kRepmgr, "-f", rc.conf(1), "service", "pause"}, 30s, true);
    require_same_service_status(rc, 2);
    CHECK(rc.pgwarden(2, {"service", "status", "--csv"}).out.find(",1,100,") != std::string::npos);
    require_same(rc, 2, {"node", "check", "--repmgrd"});
    require_same(rc, 2, {"node", "check", "--repmgrd", "--nagios"});
    const auto paused = rc.pgwarden(2, {"node", "check", "--repmgrd", "--nagios"});
    CHECK(paused.out == "REPMGRD WARNING: repmgrd running but paused\n");
    CHECK(paused.exit_code == 1);

    // pgwarden's unpause and pause reach the running daemons: repmgr's table says so.
    REQUIRE(rc.pgwarden(1, {"service", "unpause"}).exit_code == 0);
    CHECK(std::regex_search(rc.repmgr(2, {"service", "status"}).out,
                            std::regex("\n 1  \\| node1 .*\\| running \\| [0-9]+ +\\| no ")));
    REQUIRE(rc.pgwarden(2, {"daemon", "pause"}).exit_code == 0);
    const auto table = rc.repmgr(1, {"service", "status"}).out;
    INFO(table);
    CHECK(
        std::regex_search(table, std::regex("\n 1  \\| node1 .*\\| running \\| [0-9]+ +\\| yes ")));
    CHECK(
        std::regex_search(table, std::regex("\n 2  \\| node2 .*\\| running \\| [0-9]+ +\\| yes ")));
    require_same_service_status(rc, 1);
}
