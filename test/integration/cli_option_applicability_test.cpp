// repmgr 5.3's check_cli_parameters() beside the real repmgr: the same command lines with the
// same repmgr.conf must give the same "following problems with command line parameters" block
// (or the same "command line errors" report) and exit code. Both check before they connect, so
// the repmgr.conf points at a port nothing listens on and no cluster is needed.
#include "postgres_user.hpp"
#include "repmgr_conf.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

// A repmgr.conf whose server refuses connections (port 1), in a directory postgres can read.
struct RefusingConf {
    RefusingConf() : dir(make_postgres_dir("pgwarden-options")) {}
    ~RefusingConf() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    RefusingConf(const RefusingConf&) = delete;
    RefusingConf& operator=(const RefusingConf&) = delete;

    std::string write(const std::string& name, const std::string& extra = "") const {
        const std::string path = dir + "/" + name;
        std::ofstream(path) << fmt::format(
            "node_id=1\nnode_name='node1'\n"
            "conninfo='host=127.0.0.1 port=1 dbname=repmgr user=repmgr connect_timeout=2'\n"
            "data_directory='{}/data'\n{}",
            dir, extra);
        give_to_postgres(path);
        return path;
    }

    std::string dir;
};

// The warning block or the error report, each program's name in "Try ..." made the same.
std::string problems_report(const std::string& err) {
    static const std::regex start(
        "^(WARNING: following problems with command line parameters detected:|The following "
        "command line errors were encountered:)$");
    std::istringstream in(err);
    std::string line;
    std::string report;
    bool inside = false;
    while (std::getline(in, line)) {
        if (std::regex_match(line, start)) {
            inside = true;
        } else if (!inside || (line.rfind("  ", 0) != 0 && line.rfind("Try ", 0) != 0)) {
            inside = false;
            continue;
        }
        report += std::regex_replace(line, std::regex("\"(repmgr|pgwarden) "), "\"PROG ") + "\n";
    }
    return report;
}

void require_same_problems(const std::string& conf, const std::vector<std::string>& args,
                           bool same_exit_code = true) {
    const auto theirs = run_repmgr(conf, args);
    const auto ours = run_pgwarden(conf, args);
    INFO("repmgr: " << theirs.describe() << "\n" << theirs.err);
    INFO("pgwarden: " << ours.describe() << "\n" << ours.err);
    CHECK(problems_report(ours.err) == problems_report(theirs.err));
    CHECK_FALSE(problems_report(theirs.err).empty());
    if (same_exit_code)
        CHECK(ours.exit_code == theirs.exit_code);
}

}  // namespace

TEST_CASE("options a command does not read are warned about or refused as repmgr does",
          "[cli][options]") {
    const RefusingConf files;
    const std::string conf = files.write("repmgr.conf");
    const std::vector<std::vector<std::string>> lines = {
        // Every option repmgr has a rule for, where no command reads any: in repmgr's order.
        {"cluster",
         "show",
         "-S",
         "foo",
         "--node-id",
         "3",
         "--node-name",
         "x",
         "--upstream-node-id",
         "2",
         "--replication-user",
         "u",
         "--event",
         "e",
         "--limit",
         "3",
         "--all",
         "-w",
         "--action",
         "start",
         "--is-shutdown-cleanly",
         "--always-promote",
         "--force-rewind",
         "--repmgrd-no-pause",
         "--config-files",
         "a",
         "--dry-run",
         "--compact",
         "--detail",
         "--siblings-follow",
         "--disable-wal-receiver",
         "-D",
         "/x",
         "-h",
         "h",
         "--recovery-conf-only"},
        {"-C", "/x", "--check-upstream-config", "cluster", "cleanup", "--repmgrd-force-unpause",
         "-k", "3", "--checkpoint", "--list-actions"},
        {"node", "status", "--node-id", "3", "--node-name", "x", "-p", "5432"},
        {"cluster", "event", "--node-id", "3", "--node-name", "x", "--limit", "2", "--all"},
        {"standby", "follow", "-W", "--replication-user", "x", "-S", "foo"},
        {"standby", "promote", "--siblings-follow", "--dry-run", "-w", "--upstream-node-id", "1"},
        {"standby", "switchover", "--always-promote", "--siblings-follow", "--dry-run", "-S", "x",
         "--force-rewind=/bin/x", "--repmgrd-force-unpause", "-U", "u"},
        {"node", "check", "--role", "--dry-run", "--compact", "--node-id", "2"},
        {"daemon", "status", "-d", "x", "--superuser=postgres", "--no-wait"},
        {"-t", "witness", "register", "-S", "x"},
        {"node", "rejoin", "-S", "foo", "-h", "127.0.0.1", "-p", "1", "--dry-run", "--all"},
        // -p or -U alone is enough for node rejoin (both then fail on the missing pg_control).
        {"node", "rejoin", "-p", "1", "--dry-run", "--all"},
        {"node", "rejoin", "-U", "repmgr", "--all"},
        {"-q", "service", "pause", "--node-name", "x", "--event", "e"},
        {"-L", "ERROR", "primary", "register", "--replication-user", "u", "--detail"},
        {"standby", "clone", "-h", "127.0.0.1", "-p", "1", "--dry-run", "--upstream-conninfo",
         "host=y", "--replication-user", "u", "-D", "/x", "--node-id", "2"},
        // The errors: all of them, in repmgr's order, and nothing else printed.
        {"standby", "switchover", "--repmgrd-no-pause", "--repmgrd-force-unpause", "-w", "-W",
         "--csv", "--nagios", "--node-name", "x"},
        {"standby", "clone", "-S", "foo"},
        {"standby", "clone", "-U", "postgres", "--dry-run"},
        {"witness", "register", "--node-id", "2"},
        {"node", "control", "--disable-wal-receiver", "--enable-wal-receiver"},
        {"daemon", "start", "--wait", "--no-wait"},
        {"node", "rejoin", "--all", "--force-rewind"},
        {"cluster", "show", "--csv", "--optformat", "--nagios"},
    };
    for (const auto& args : lines)
        require_same_problems(conf, args);

    // Barman mode (barman_host set): repmgr warns about what only pg_basebackup reads, then
    // tries Barman; pgwarden says it has no Barman mode (exit 1).
    const std::string barman =
        files.write("barman.conf", "barman_host='127.0.0.1'\nbarman_server='main'\n");
    require_same_problems(
        barman, {"standby", "clone", "--dry-run", "-c", "--copy-external-config-files", "-D", "/x"},
        false);
}
