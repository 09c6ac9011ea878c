#include "repmgr_cluster.hpp"
#include "binaries.hpp"
#include "postgres_user.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>

namespace pgwarden::test {

using namespace std::chrono_literals;

PgClusterOptions with_repmgr_library() {
    PgClusterOptions options;
    options.extra_conf.push_back("shared_preload_libraries = 'repmgr'");
    return options;
}

RepmgrCluster::RepmgrCluster(int nodes, PgClusterOptions options)
    : cluster(nodes, std::move(options)) {
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

CommandResult RepmgrCluster::repmgr(int i, std::vector<std::string> args) const {
    args.insert(args.begin(), {kRepmgr, "-f", conf(i)});
    return run_command(args, 60s, true);
}

CommandResult RepmgrCluster::pgwarden(int i, std::vector<std::string> args) const {
    args.insert(args.begin(), {pgwarden::test::cli_bin(), "-f", conf(i)});
    return run_command(args, 60s, true);
}

// Runs the same command with both programs on node i and compares what scripts read.
void require_ok(const CommandResult& result) {
    INFO(result.describe() << "\nstdout:\n" << result.out << "\nstderr:\n" << result.err);
    REQUIRE(result.ok());
}

std::string nodes_table(const PgCluster& cluster, int i) {
    return cluster.psql(i,
                        "SELECT string_agg(concat_ws('|', node_id, type, active, "
                        "coalesce(upstream_node_id::text, '-')), ',' ORDER BY node_id) "
                        "FROM repmgr.nodes");
}

void require_same(const RepmgrCluster& rc, int i, const std::vector<std::string>& args,
                  Streams streams) {
    const auto theirs = rc.repmgr(i, args);
    const auto ours = rc.pgwarden(i, args);
    INFO("repmgr: " << theirs.command << " exit " << theirs.exit_code << "\n"
                    << theirs.out << theirs.err);
    INFO("pgwarden: " << ours.command << " exit " << ours.exit_code << "\n"
                      << ours.out << ours.err);
    CHECK(ours.out == theirs.out);
    if (streams == Streams::out_and_err)
        CHECK(ours.err == theirs.err);
    CHECK(ours.exit_code == theirs.exit_code);
}

}  // namespace pgwarden::test
