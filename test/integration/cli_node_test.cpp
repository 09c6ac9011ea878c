// `pgwarden node check` beside the real repmgr 5.3 on the same node of a repmgr-registered
// cluster: stdout and exit codes must be the same for every check and output form.
#include "pg_cluster.hpp"
#include "process.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRepmgr = "/usr/lib/postgresql/15/bin/repmgr";

PgClusterOptions with_repmgr_library() {
    PgClusterOptions options;
    options.extra_conf.push_back("shared_preload_libraries = 'repmgr'");
    return options;
}

// A harness cluster whose nodes the real repmgr registered: node1 primary, the rest standbys.
class RepmgrCluster {
  public:
    explicit RepmgrCluster(int nodes) : cluster(nodes, with_repmgr_library()) {
        for (int i = 1; i <= nodes; ++i) {
            const auto& node = cluster.node(i);
            const std::string path = node.node_dir + "/repmgr.conf";
            std::ofstream(path) << fmt::format(
                "node_id={}\nnode_name='{}'\nconninfo='{}'\ndata_directory='{}'\n", i, node.name,
                node.conninfo(), node.data_dir);
            give_to_postgres(path);
            confs.push_back(path);
        }
        run_checked({kRepmgr, "-f", conf(1), "primary", "register"}, 60s, true);
        // Each standby reads the metadata from its own copy: let it replay what was written.
        for (int i = 2; i <= nodes; ++i) {
            cluster.wait_caught_up(i, 1);
            run_checked({kRepmgr, "-f", conf(i), "standby", "register"}, 60s, true);
        }
        for (int i = 2; i <= nodes; ++i)
            cluster.wait_caught_up(i, 1);
    }

    const std::string& conf(int i) const { return confs.at(static_cast<std::size_t>(i - 1)); }

    CommandResult repmgr(int i, std::vector<std::string> args) const {
        args.insert(args.begin(), {kRepmgr, "-f", conf(i)});
        return run_command(args, 60s, true);
    }
    CommandResult pgwarden(int i, std::vector<std::string> args) const {
        args.insert(args.begin(), {PGWARDEN_CLI_BIN, "-f", conf(i)});
        return run_command(args, 60s, true);
    }

    PgCluster cluster;
    std::vector<std::string> confs;
};

// Runs the same command with both programs on node i and compares what scripts read.
void require_same(const RepmgrCluster& rc, int i, const std::vector<std::string>& args) {
    const auto theirs = rc.repmgr(i, args);
    const auto ours = rc.pgwarden(i, args);
    INFO("repmgr: " << theirs.command << " exit " << theirs.exit_code << "\n"
                    << theirs.out << theirs.err);
    INFO("pgwarden: " << ours.command << " exit " << ours.exit_code << "\n"
                      << ours.out << ours.err);
    CHECK(ours.out == theirs.out);
    CHECK(ours.exit_code == theirs.exit_code);
}

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
