// standby clone's source node and command-line report beside the real repmgr 5.3: -d's conninfo
// may name the source host instead of -h, a command line that names no host is refused with
// repmgr's error, and the config_directory warning is one of check_cli_parameters' lines.
#include "clone_run.hpp"
#include "pg_cluster.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

namespace fs = std::filesystem;

// The clone's command line with `source` as its only connection option.
std::vector<std::string> clone_args(const std::string& source,
                                    const std::vector<std::string>& options = {}) {
    std::vector<std::string> args = {"-d", source, "--fast-checkpoint"};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"standby", "clone"});
    return args;
}

// The "following problems with command line parameters detected:" block of `err`, its heading
// and each "  " line under it; empty when there is none.
std::string parameter_block(const std::string& err) {
    std::istringstream in(err);
    std::string block;
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line == "WARNING: following problems with command line parameters detected:")
            inside = true;
        else if (inside && line.rfind("  ", 0) != 0)
            break;
        if (inside)
            block += line + "\n";
    }
    return block;
}

}  // namespace

TEST_CASE("standby clone takes the source host from -d's conninfo, as repmgr does",
          "[cli][standby]") {
    PgCluster cluster(1, with_repmgr_library());
    require_ok(run_repmgr(write_conf(cluster, 1), {"primary", "register"}));
    const int port = cluster.node(1).port;

    // A key=value conninfo with host=: both clone, and both name that host in the event.
    const auto keywords = fmt::format("host=127.0.0.1 port={} user=postgres dbname=postgres", port);
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone_args(cluster, repmgr, "keywords", clone_args(keywords), "");
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 0);
        CHECK(fs::exists(clone.data_dir + "/standby.signal"));
    }
    const std::string details = fmt::format(
        "cloned from host \"127.0.0.1\", port {}; backup method: pg_basebackup; --force: N", port);
    CHECK(cluster.psql(1,
                       "SELECT string_agg(details, '|') FROM repmgr.events WHERE event = "
                       "'standby_clone'") == details + "|" + details);

    // A URI with a host: both find every prerequisite met.
    const auto uri = fmt::format("postgresql://postgres@127.0.0.1:{}/postgres", port);
    for (const bool repmgr : {true, false}) {
        const auto clone =
            run_clone_args(cluster, repmgr, "uri", clone_args(uri, {"--dry-run"}), "");
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 0);
        CHECK(clone.result.err.find("all prerequisites for \"standby clone\" are met") !=
              std::string::npos);
    }
}

TEST_CASE("standby clone without a source host anywhere gives repmgr's error", "[cli][standby]") {
    PgCluster cluster(1, with_repmgr_library());
    const auto source = fmt::format("port={} user=postgres dbname=postgres", cluster.node(1).port);
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone_args(cluster, repmgr, "no-host", clone_args(source), "");
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 1);
        CHECK(clone.result.err.rfind("The following command line errors were encountered:\n"
                                     "  host name for the source node must be provided with "
                                     "-h/--host when executing STANDBY CLONE\n",
                                     0) == 0);
        CHECK_FALSE(fs::exists(clone.data_dir));
    }
}

TEST_CASE("standby clone's config_directory warning is in repmgr's command-line block",
          "[cli][standby]") {
    PgCluster cluster(1, with_repmgr_library());
    require_ok(run_repmgr(write_conf(cluster, 1), {"primary", "register"}));
    const auto source =
        fmt::format("host=127.0.0.1 port={} user=postgres dbname=postgres", cluster.node(1).port);
    const std::string conf = "config_directory='/etc/postgresql/15/main'\n";
    // -D adds a second line, so the block's order is compared too.
    const auto options = clone_args(source, {"--dry-run", "-D", "/nonexistent/pgdata"});
    std::vector<std::string> blocks;
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone_args(cluster, repmgr, "config-dir", options, conf);
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 0);
        blocks.push_back(parameter_block(clone.result.err));
    }
    CHECK(blocks[0] ==
          "WARNING: following problems with command line parameters detected:\n"
          "  -D/--pgdata will be ignored if a repmgr configuration file is provided\n"
          "  \"config_directory\" set in repmgr.conf, but --copy-external-config-files not "
          "provided\n");
    CHECK(blocks[1] == blocks[0]);
}
