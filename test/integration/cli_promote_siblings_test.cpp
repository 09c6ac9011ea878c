// standby promote and its siblings beside the real repmgr 5.3: the warning about standbys left on
// the old primary, and --siblings-follow, whose mechanism is ssh. Here no sshd answers, so the
// tests cover the refusal when a sibling cannot be reached, and -F promoting anyway with the
// sibling skipped; cli_promote_siblings_ssh_test.cpp has a sibling follow through a real sshd.
#include "pg_cluster.hpp"
#include "process.hpp"
#include "repmgr_cluster.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

// The lines of a log that are about siblings, ssh and following.
std::string sibling_lines(const std::string& log) {
    std::string out;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        for (const char* word : {"sibling", "SSH", "STANDBY FOLLOW", "(ID: 3)", "node ID: 3"}) {
            if (line.find(word) != std::string::npos) {
                out += line + "\n";
                break;
            }
        }
    }
    return out;
}

}  // namespace

TEST_CASE(
    "standby promote --siblings-follow refuses an unreachable sibling and warns about "
    "siblings left behind as repmgr does",
    "[cli][standby]") {
    RepmgrCluster rc(3);
    rc.cluster.stop(1);

    require_same(rc, 2, {"standby", "promote", "--siblings-follow"}, Streams::out_and_err);
    const auto refused = rc.pgwarden(2, {"standby", "promote", "--siblings-follow"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("ERROR: 1 of 1 sibling nodes unreachable via SSH:") !=
          std::string::npos);
    CHECK(rc.cluster.is_in_recovery(2));

    require_same(rc, 2, {"standby", "promote", "--dry-run"}, Streams::out_and_err);
    const auto dry_run = rc.pgwarden(2, {"standby", "promote", "--dry-run"});
    CHECK(dry_run.err.find("WARNING: 1 sibling nodes found, but option \"--siblings-follow\" not "
                           "specified\nDETAIL: these nodes will remain attached to the current "
                           "primary:\n  node3 (node ID: 3)\n") != std::string::npos);
    require_same(rc, 2, {"standby", "promote", "--dry-run", "--siblings-follow", "-F"},
                 Streams::out_and_err);
    // With service_promote_command the dry run names the command instead of pg_promote().
    std::ofstream(rc.conf(2), std::ios::app) << "service_promote_command='/bin/true'\n";
    require_same(rc, 2, {"standby", "promote", "--dry-run"}, Streams::out_and_err);
    CHECK(rc.pgwarden(2, {"standby", "promote", "--dry-run"})
              .err.find("DETAIL: \"service_promote_command\" is \"/bin/true\"") !=
          std::string::npos);
    CHECK(rc.cluster.is_in_recovery(2));
}

TEST_CASE(
    "standby promote --siblings-follow -F promotes and skips the unreachable sibling as "
    "repmgr does",
    "[cli][standby]") {
    const std::vector<std::string> args = {"standby", "promote", "--siblings-follow", "-F"};
    RepmgrCluster theirs_cluster(3);
    theirs_cluster.cluster.stop(1);
    const auto theirs = theirs_cluster.repmgr(2, args);
    RepmgrCluster ours_cluster(3);
    ours_cluster.cluster.stop(1);
    const auto ours = ours_cluster.pgwarden(2, args);
    INFO("repmgr:\n" << theirs.err << "\npgwarden:\n" << ours.err);
    CHECK(ours.exit_code == 0);
    CHECK(ours.exit_code == theirs.exit_code);
    CHECK(sibling_lines(ours.err) == sibling_lines(theirs.err));
    CHECK(ours.err.find("NOTICE: executing STANDBY FOLLOW on 0 of 1 siblings\n"
                        "INFO: STANDBY FOLLOW successfully executed on all reachable sibling "
                        "nodes\n") != std::string::npos);
    CHECK_FALSE(ours_cluster.cluster.is_in_recovery(2));
    // The unreachable sibling was left where it was.
    CHECK(ours_cluster.cluster.psql(
              2, "SELECT upstream_node_id FROM repmgr.nodes WHERE node_id = 3") == "1");
}
