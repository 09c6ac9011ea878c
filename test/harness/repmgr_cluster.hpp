// A harness cluster registered by the real repmgr 5.3, and running repmgr and pgwarden side by
// side on it: the compatibility tests' fixture.
#pragma once

#include "pg_cluster.hpp"
#include "run_command.hpp"

#include <string>
#include <vector>

namespace pgwarden::test {

inline constexpr const char* kRepmgr = "/usr/lib/postgresql/15/bin/repmgr";

// PgClusterOptions with the repmgr library preloaded, as repmgrd and its extension need.
PgClusterOptions with_repmgr_library();

// node1 registered as primary, the rest as standbys, each with its own repmgr.conf.
class RepmgrCluster {
  public:
    // `options`: with_repmgr_library() unless a test wants the extension without its library.
    explicit RepmgrCluster(int nodes, PgClusterOptions options = with_repmgr_library());

    const std::string& conf(int i) const { return confs.at(static_cast<std::size_t>(i - 1)); }
    // Runs the real repmgr / pgwarden with node i's config, as the postgres OS user.
    CommandResult repmgr(int i, std::vector<std::string> args) const;
    CommandResult pgwarden(int i, std::vector<std::string> args) const;

    PgCluster cluster;
    std::vector<std::string> confs;
};

// What require_same compares besides the exit code: stdout, or also stderr for the commands
// whose whole report is log lines (service pause, refusals).
enum class Streams { out, out_and_err };

// Runs the same command with both programs on node i; CHECKs that the streams and exit code match.
// A command that must succeed; on failure the test stops with its output.
void require_ok(const CommandResult& result);

// node_id|type|active|upstream for every node as node i's repmgr.nodes has it: what a command
// changed, or what a refused one must have left alone.
std::string nodes_table(const PgCluster& cluster, int i);

void require_same(const RepmgrCluster& rc, int i, const std::vector<std::string>& args,
                  Streams streams = Streams::out);

}  // namespace pgwarden::test
