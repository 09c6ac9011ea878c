// The failover daemon's side of the command line beside the real repmgr 5.3 on one cluster:
// node check --repmgrd, service pause/unpause and service status --detail/--compact. No daemon
// runs here, so "not running" must match and the pause flag is what the extension stores.
#include "pg_cluster.hpp"
#include "process.hpp"
#include "repmgr_cluster.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

// The "paused" field (7th) of every line of `service status --csv`, joined: "1,1,0".
std::string paused_fields(const std::string& csv) {
    std::string fields;
    std::istringstream lines(csv);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream cells(line);
        std::string cell;
        for (int column = 0; column < 7; ++column)
            std::getline(cells, cell, ',');
        fields += (fields.empty() ? "" : ",") + cell;
    }
    return fields;
}

std::string extension_paused(const RepmgrCluster& rc, int i) {
    return rc.cluster.psql(i, "SELECT repmgr.repmgrd_is_paused()");
}

}  // namespace

TEST_CASE("node check --repmgrd says repmgrd is not running in every form as repmgr does",
          "[cli][service]") {
    RepmgrCluster rc(2);
    for (int i = 1; i <= 2; ++i) {
        require_same(rc, i, {"node", "check", "--repmgrd"});
        require_same(rc, i, {"node", "check", "--repmgrd", "--nagios"});
        require_same(rc, i, {"node", "check", "--repmgrd", "--csv"});
    }
    // Not only equal to repmgr: what a monitoring script reads.
    const auto text = rc.pgwarden(2, {"node", "check", "--repmgrd"});
    CHECK(text.out == "CRITICAL (repmgrd not running)\n");
    CHECK(text.exit_code == 2);
    const auto nagios = rc.pgwarden(1, {"node", "check", "--repmgrd", "--nagios"});
    CHECK(nagios.out == "REPMGRD CRITICAL: repmgrd not running\n");
    const auto csv = rc.pgwarden(1, {"node", "check", "--repmgrd", "--csv"});
    CHECK(csv.exit_code == 1);
    CHECK(csv.err.find("--csv output not provided with --repmgrd option") != std::string::npos);

    // A pause flag without a daemon: still "not running".
    rc.cluster.psql(1, "SELECT repmgr.repmgrd_pause(true)");
    require_same(rc, 1, {"node", "check", "--repmgrd"});
    CHECK(rc.pgwarden(1, {"node", "check", "--repmgrd"}).exit_code == 2);
}

TEST_CASE("service pause and unpause set the flag repmgr reads and read the flag repmgr sets",
          "[cli][service]") {
    RepmgrCluster rc(3);

    // --dry-run only reaches the nodes.
    require_same(rc, 1, {"service", "pause", "--dry-run"}, Streams::out_and_err);
    CHECK(extension_paused(rc, 2) == "f");

    const auto paused = rc.pgwarden(2, {"service", "pause"});
    INFO(paused.err);
    REQUIRE(paused.exit_code == 0);
    CHECK(paused.err ==
          "NOTICE: node 1 (node1) paused\nNOTICE: node 2 (node2) paused\n"
          "NOTICE: node 3 (node3) paused\n");
    for (int i = 1; i <= 3; ++i)
        CHECK(extension_paused(rc, i) == "t");
    // repmgr sees it; with no daemon the table says n/a, the CSV says 1.
    CHECK(paused_fields(rc.repmgr(1, {"service", "status", "--csv"}).out) == "1,1,1");
    require_same(rc, 1, {"service", "status", "--csv"});
    require_same(rc, 1, {"service", "status"});
    require_same(rc, 3, {"service", "status", "--detail"});
    require_same(rc, 3, {"service", "status", "--detail", "--compact"});
    require_same(rc, 1, {"daemon", "status", "--csv"});

    const auto unpaused = rc.pgwarden(3, {"daemon", "unpause"});
    CHECK(unpaused.exit_code == 0);
    CHECK(paused_fields(rc.repmgr(1, {"service", "status", "--csv"}).out) == "0,0,0");

    // The other way round: repmgr pauses, pgwarden reports it.
    const auto by_repmgr = rc.repmgr(1, {"service", "pause"});
    REQUIRE(by_repmgr.exit_code == 0);
    CHECK(paused_fields(rc.pgwarden(2, {"service", "status", "--csv"}).out) == "1,1,1");
    require_same(rc, 2, {"service", "status", "--csv"});

    // Both report the same lines for unpause, and for a pause with a node down: the reachable
    // nodes are paused, the command exits 26 (ERR_REPMGRD_PAUSE).
    require_same(rc, 1, {"service", "unpause"}, Streams::out_and_err);
    CHECK(extension_paused(rc, 1) == "f");
    rc.cluster.stop(3);
    require_same(rc, 1, {"service", "pause"}, Streams::out_and_err);
    const auto partial = rc.pgwarden(1, {"service", "pause"});
    CHECK(partial.exit_code == 26);
    CHECK(extension_paused(rc, 2) == "t");
    require_same(rc, 1, {"service", "unpause", "--dry-run"}, Streams::out_and_err);
    require_same(rc, 1, {"service", "status", "--csv"});
}

TEST_CASE(
    "node check -S connects as the given user and --replication-config-owner compares "
    "owners with --optformat as in repmgr",
    "[cli][service]") {
    RepmgrCluster rc(2);
    require_same(rc, 1, {"node", "check", "--data-directory-config", "-S", "postgres"});
    require_same(rc, 2, {"node", "check", "-S", "postgres"});
    // A user that does not exist: the connection itself fails, in both programs.
    require_same(rc, 1, {"node", "check", "--role", "-S", "no_such_user"});
    require_same(rc, 1, {"node", "check", "--db-connection", "--superuser", "no_such_user"});
    const auto bad = rc.pgwarden(1, {"node", "check", "--db-connection", "-S", "no_such_user"});
    CHECK(bad.out.find("user=no_such_user") != std::string::npos);
    CHECK(bad.exit_code == 2);
    require_same(rc, 1, {"node", "check", "--replication-config-owner"}, Streams::out_and_err);

    const std::vector<std::string> owner = {"node", "check", "--replication-config-owner",
                                            "--optformat"};
    require_same(rc, 2, owner);
    const auto ok = rc.pgwarden(2, owner);
    CHECK(ok.out == "--replication-config-owner=OK\n");
    CHECK(ok.exit_code == 0);
    // postgresql.auto.conf handed to root: the owners differ.
    const std::string auto_conf = rc.cluster.node(2).data_dir + "/postgresql.auto.conf";
    REQUIRE(::chown(auto_conf.c_str(), 0, 0) == 0);
    require_same(rc, 2, owner);
    const auto bad_owner = rc.pgwarden(2, owner);
    CHECK(bad_owner.out == "--replication-config-owner=CRITICAL\n");
    CHECK(bad_owner.exit_code == 2);
    give_to_postgres(auto_conf);
    CHECK(rc.pgwarden(2, owner).exit_code == 0);
    // --role has no optformat line in repmgr: nothing printed, the check's exit code.
    require_same(rc, 2, {"node", "check", "--role", "--optformat"}, Streams::out_and_err);
    const auto other = rc.pgwarden(2, {"node", "check", "--role", "--optformat"});
    CHECK(other.exit_code == 0);
    CHECK(other.out.empty());
}
