// repmgr's global options and the `master` alias, run with pgwarden beside the real repmgr 5.3
// on the same cluster: -V/--version-number, -q, -b, -D, --log-to-file, master register.
#include "binaries.hpp"
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

void append(const RepmgrCluster& rc, int i, const std::string& lines) {
    std::ofstream(rc.conf(i), std::ios::app) << lines;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A log file's lines without their "[YYYY-MM-DD HH:MM:SS] " timestamps.
std::string without_timestamps(const std::string& text) {
    static const std::regex stamp(R"(^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] )", std::regex::multiline);
    return std::regex_replace(text, stamp, "");
}

std::string events(const PgCluster& cluster) {
    return cluster.psql(1,
                        "SELECT string_agg(node_id || ':' || event || ':' || successful || ':' ||"
                        " details, ',' ORDER BY event_timestamp) FROM repmgr.events");
}

}  // namespace

TEST_CASE("version number and -V answer without a configuration file, as repmgr's",
          "[cli][options]") {
    const auto theirs = run_command({kRepmgr, "--version-number"}, std::chrono::seconds(10));
    const auto ours =
        run_command({pgwarden::test::cli_bin(), "--version-number"}, std::chrono::seconds(10));
    CHECK(ours.exit_code == theirs.exit_code);
    CHECK(ours.out == theirs.out);
    const auto version = run_command({pgwarden::test::cli_bin(), "-V"}, std::chrono::seconds(10));
    CHECK(version.exit_code == 0);
    CHECK(version.out == fmt::format("pgwarden {} (repmgr 5.3 compatible)\n", PGWARDEN_VERSION));
}

TEST_CASE("master register and unregister are primary's, with repmgr's output and events",
          "[cli][options][register]") {
    RepmgrCluster rc(2);
    const std::string before = events(rc.cluster);
    require_same(rc, 1, {"master", "register", "--force"}, Streams::out_and_err);
    require_same(rc, 1, {"master", "register"}, Streams::out_and_err);
    require_same(rc, 1, {"master", "unregister", "--node-id=1"}, Streams::out_and_err);
    CHECK(nodes_table(rc.cluster, 1) == "1|primary|t|-,2|standby|t|1");
    // Each program updated the record once; the refusals and unregister recorded nothing.
    CHECK(events(rc.cluster) == before +
                                    ",1:primary_register:true:existing primary record updated"
                                    ",1:primary_register:true:existing primary record updated");
}

TEST_CASE("quiet mode leaves only errors on stderr, as repmgr's", "[cli][options]") {
    RepmgrCluster rc(2);
    require_same(rc, 1, {"-q", "primary", "register", "--force"}, Streams::out_and_err);
    require_same(rc, 2, {"--quiet", "standby", "register", "--force"}, Streams::out_and_err);
    require_same(rc, 1, {"-q", "primary", "register"}, Streams::out_and_err);
    require_same(rc, 1, {"-q", "cluster", "show"}, Streams::out_and_err);
    const auto quiet = rc.pgwarden(1, {"-q", "primary", "register", "--force"});
    CHECK(quiet.err.empty());
}

TEST_CASE("the bindir option replaces pg_bindir and pgdata is refused where repmgr does",
          "[cli][options]") {
    RepmgrCluster rc(1);
    append(rc, 1, "pg_bindir='/nowhere/bin'\n");
    // node check does not read -D: repmgr warns and checks the configured directory.
    require_same(rc, 1, {"node", "check", "--data-directory-config", "--pgdata=/nowhere/data"},
                 Streams::out_and_err);
    require_same(rc, 1, {"-t", "node", "check", "--data-directory-config", "-D", "/nowhere"},
                 Streams::out_and_err);
    // node service accepts it without a warning, and still runs on data_directory.
    require_same(rc, 1, {"node", "service", "--action=stop", "--list-actions", "-D", "/x/data"},
                 Streams::out_and_err);
    // standby clone takes it as its destination only without a repmgr.conf: both say so.
    const std::string target = rc.cluster.dir() + "/clone-target";
    const auto& primary = rc.cluster.node(1);
    const std::vector<std::string> clone = {"standby",
                                            "clone",
                                            "--dry-run",
                                            "-h",
                                            "127.0.0.1",
                                            "-p",
                                            std::to_string(primary.port),
                                            "-U",
                                            "postgres",
                                            "-d",
                                            "postgres",
                                            "-D",
                                            target};
    for (const auto& result : {rc.repmgr(1, clone), rc.pgwarden(1, clone)}) {
        INFO(result.command << "\n" << result.err);
        CHECK(result.err.find("WARNING: following problems with command line parameters "
                              "detected:\n  -D/--pgdata will be ignored if a repmgr "
                              "configuration file is provided\n") == 0);
        CHECK(result.err.find(fmt::format("destination directory \"{}\" provided",
                                          rc.cluster.node(1).data_dir)) != std::string::npos);
        CHECK(result.exit_code != 0);
    }
    for (const auto& bindir :
         {std::string("-b/opt/pg/bin"), std::string("--pg_bindir=") + PgCluster::kBinDir}) {
        require_same(rc, 1, {"node", "service", "--action=restart", "--list-actions", bindir},
                     Streams::out_and_err);
        require_same(rc, 1, {"node", "service", "--action=reload", "--dry-run", bindir},
                     Streams::out_and_err);
    }
}

TEST_CASE("log to file writes repmgr's lines to log_file with repmgrd's prefix", "[cli][options]") {
    RepmgrCluster rc(2);
    const std::string theirs_log = rc.cluster.dir() + "/repmgr-cli.log";
    const std::string ours_log = rc.cluster.dir() + "/pgwarden-cli.log";
    for (const auto& path : {theirs_log, ours_log}) {
        std::ofstream touch(path);
        touch.close();
        give_to_postgres(path);
    }
    const std::string conf = read_file(rc.conf(1));
    std::ofstream(rc.conf(1)) << conf << "log_file='" << theirs_log << "'\n";
    const auto theirs = rc.repmgr(1, {"primary", "register", "--force", "--log-to-file"});
    std::ofstream(rc.conf(1)) << conf << "log_file='" << ours_log << "'\n";
    const auto ours = rc.pgwarden(1, {"primary", "register", "--force", "--log-to-file"});
    INFO(theirs.err << "\n---\n" << ours.err);
    CHECK(ours.exit_code == theirs.exit_code);
    CHECK(ours.out == theirs.out);
    // The one line left on stderr says where the rest went.
    CHECK(without_timestamps(std::regex_replace(ours.err, std::regex("pgwarden-cli"),
                                                "repmgr-cli")) == without_timestamps(theirs.err));
    const auto written = read_file(ours_log);
    CHECK_FALSE(written.empty());
    CHECK(without_timestamps(written) == without_timestamps(read_file(theirs_log)));
    CHECK(std::regex_search(written, std::regex(R"(^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[NOTICE\])",
                                                std::regex::multiline)));
}
