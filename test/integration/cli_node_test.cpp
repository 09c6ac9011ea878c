// `pgwarden node check` beside the real repmgr 5.3 on the same node of a repmgr-registered
// cluster: stdout and exit codes must be the same for every check and output form.
#include "pg_cluster.hpp"
#include "process.hpp"
#include "repmgr_cluster.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kChecks = {
    "--role",     "--replication-lag", "--archive-ready", "--downstream",
    "--upstream", "--slots",           "--missing-slots", "--data-directory-config"};

void require_same_checks(const RepmgrCluster& rc, int i) {
    require_same(rc, i, {"node", "status"});
    require_same(rc, i, {"node", "status", "--csv"});
    require_same(rc, i, {"node", "status", "--verbose"});
    require_same(rc, i, {"node", "check"});
    require_same(rc, i, {"node", "check", "--csv"});
    require_same(rc, i, {"node", "check", "--nagios"});
    require_same(rc, i, {"node", "check", "--db-connection"});
    for (const auto& check : kChecks) {
        require_same(rc, i, {"node", "check", check});
        require_same(rc, i, {"node", "check", check, "--nagios"});
        require_same(rc, i, {"node", "check", check, "--csv"});
    }
}

}  // namespace

TEST_CASE("node status and node check on a primary and a standby print what repmgr prints",
          "[cli][node]") {
    RepmgrCluster rc(3);
    require_same_checks(rc, 1);
    require_same_checks(rc, 2);

    // A stopped standby: the primary's downstream check turns critical.
    rc.cluster.stop(3);
    require_same(rc, 1, {"node", "status"});
    require_same(rc, 1, {"node", "status", "--csv"});
    require_same(rc, 1, {"node", "check"});
    require_same(rc, 1, {"node", "check", "--downstream"});
    require_same(rc, 1, {"node", "check", "--downstream", "--nagios"});

    // The primary down: node2's own checks still answer; the upstream check cannot.
    rc.cluster.stop(1);
    require_same(rc, 2, {"node", "check", "--role"});
    require_same(rc, 2, {"node", "check", "--replication-lag", "--nagios"});
    require_same(rc, 2, {"node", "check", "--upstream"});
    require_same(rc, 2, {"node", "check"});
    require_same(rc, 2, {"node", "status"});
}
