// node check --optformat, the "--name=VALUE" lines repmgr 5.3's switchover reads from another
// node, and repmgr's warnings about the global options it still takes but ignores.
#include "global_options.hpp"
#include "node_check.hpp"
#include "node_facts_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cli;

using pgwarden::cli::test::standby_facts;

TEST_CASE("replication lag in optformat names the lag, and the threshold it crossed",
          "[node-check][optformat]") {
    struct Case {
        std::optional<bool> in_recovery;
        std::optional<int> lag;
        std::string line;
    };
    const std::vector<Case> cases = {
        {false, std::nullopt, "--status=OK --lag=0\n"},
        {true, 0, "--status=OK --lag=0\n"},
        {true, 300, "--status=OK --lag=300\n"},
        {true, 301, "--status=WARNING --lag=301 --threshold=300\n"},
        {true, 600, "--status=CRITICAL --lag=600 --threshold=600\n"},
        {true, std::nullopt, "--status=UNKNOWN \n"},
    };
    for (const auto& c : cases) {
        auto facts = standby_facts();
        facts.in_recovery = c.in_recovery;
        facts.lag_seconds = c.lag;
        INFO(c.line);
        CHECK(format_single_check(check_replication_lag(facts), CheckOutput::optformat) == c.line);
    }
}

TEST_CASE("the data directory and repmgrd checks print one --name=STATUS line in optformat",
          "[node-check][optformat]") {
    auto facts = standby_facts();
    CHECK(format_single_check(check_data_directory(facts), CheckOutput::optformat) ==
          "--configured-data-directory=OK\n");
    facts.actual_data_directory = "/elsewhere";
    CHECK(format_single_check(check_data_directory(facts), CheckOutput::optformat) ==
          "--configured-data-directory=CRITICAL\n");
    CHECK(format_single_check(check_repmgrd(facts), CheckOutput::optformat) ==
          "--repmgrd=CRITICAL\n");
    facts.daemon_running = true;
    facts.daemon_paused = true;
    CHECK(format_single_check(check_repmgrd(facts), CheckOutput::optformat) ==
          "--repmgrd=WARNING\n");
}

TEST_CASE("the checks without an optformat form print nothing in it, as repmgr's",
          "[node-check][optformat]") {
    auto facts = standby_facts();
    facts.in_recovery = false;  // a failing role check: still nothing
    for (const auto& result : {check_role(facts), check_upstream(facts), check_downstream(facts),
                               check_slots(facts), check_missing_slots(facts)})
        CHECK(format_single_check(result, CheckOutput::optformat).empty());
}

TEST_CASE("the optformat overview is the checks' own lines, then the bare node header",
          "[node-check][optformat]") {
    auto facts = standby_facts();
    facts.lag_seconds = 5;
    CHECK(format_check_overview(facts, check_all(facts), CheckOutput::optformat) ==
          "--status=OK --lag=5\n"
          "--status=OK --files=0\n"
          "--configured-data-directory=OK\n"
          "Node \"node2\":\n");
}

TEST_CASE("the getopt options repmgr 5.3 takes but no longer uses are warned about by name",
          "[cli][options]") {
    CliOptions options;
    options.words = {"cluster", "show"};
    CHECK(command_line_warnings(options).empty());
    options.remote_config_file = "/etc/repmgr.conf";
    options.check_upstream_config = true;
    options.disable_wal_receiver = true;
    options.pgdata = "/srv/pg/data";
    CHECK(command_line_warnings(options) ==
          std::vector<std::string>{
              "--remote-config-file is no longer required",
              "--check-upstream-config is deprecated; use --dry-run instead",
              "-D/--pgdata not required when executing CLUSTER SHOW",
              "--disable-wal-receiver / --enable-wal-receiver not effective when executing "
              "CLUSTER SHOW"});
    // node control is where they belong; standby clone ignores -D with a repmgr.conf.
    options.words = {"node", "control"};
    options.remote_config_file.reset();
    options.check_upstream_config = false;
    options.pgdata.reset();
    CHECK(command_line_warnings(options).empty());
    options.words = {"standby", "clone"};
    options.pgdata = "/srv/pg/data";
    options.disable_wal_receiver = false;
    CHECK(command_line_warnings(options) ==
          std::vector<std::string>{
              "-D/--pgdata will be ignored if a repmgr configuration file is provided"});
    // -S where repmgr reads it, and where it does not (repmgr 4's daemon status is SERVICE's;
    // repmgr 5.3.3 says "--superuser ignored when executing NODE REJOIN", measured).
    options.pgdata.reset();
    options.superuser = "postgres";
    for (const auto& words : std::vector<std::vector<std::string>>{{"standby", "clone"},
                                                                   {"standby", "switchover"},
                                                                   {"node", "check"},
                                                                   {"node", "service"}}) {
        options.words = words;
        CHECK(command_line_warnings(options).empty());
    }
    options.words = {"node", "rejoin"};
    CHECK(command_line_warnings(options) ==
          std::vector<std::string>{"--superuser ignored when executing NODE REJOIN"});
    options.words = {"daemon", "status"};
    CHECK(command_line_warnings(options) ==
          std::vector<std::string>{"--superuser ignored when executing SERVICE STATUS"});
    options.words = {"standby", "promote"};
    CHECK(command_line_warnings(options) ==
          std::vector<std::string>{"--superuser ignored when executing STANDBY PROMOTE"});
}
