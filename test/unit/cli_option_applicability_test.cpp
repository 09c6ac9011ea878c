// repmgr 5.3's check_cli_parameters() rules, one row per rule and side: where an option is
// read (no word) and where repmgr warns about it or refuses it, with its text.
#include "command_lines.hpp"
#include "global_options.hpp"
#include "option_applicability.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

using namespace pgwarden::cli;

namespace {

using pgwarden::test::pgwarden_args;

using A = Action;
using Strings = std::vector<std::string>;

struct Case {
    const char* what;
    Action action;
    std::function<void(GivenOptions&)> give;
    Strings warnings;
    Strings errors = {};
};

// Every case's options also hold a connection (-h) unless the case clears it, so that standby
// clone, witness register and node rejoin get past what they require.
GivenOptions with_host(const Case& c) {
    GivenOptions given;
    given.connection_param = true;
    given.host_param = true;
    c.give(given);
    return given;
}

const std::vector<Case>& cases() {
    static const std::vector<Case> table = {
        {"nothing given", A::cluster_show, [](auto&) {}, {}},
        {"a connection where it is not read",
         A::node_status,
         [](auto&) {},
         {"database connection parameters not required when executing NODE STATUS"}},
        {"a connection where it is read", A::cluster_matrix, [](auto&) {}, {}},
        {"clone without a source",
         A::standby_clone,
         [](auto& g) { g.connection_param = g.host_param = false; },
         {},
         {"host name for the source node must be provided with -h/--host when executing "
          "STANDBY CLONE",
          "database connection parameters for the source node must be provided when executing "
          "STANDBY CLONE"}},
        {"clone with -U only",
         A::standby_clone,
         [](auto& g) { g.host_param = false; },
         {},
         {"host name for the source node must be provided with -h/--host when executing "
          "STANDBY CLONE"}},
        {"clone's options in Barman mode",
         A::standby_clone,
         [](auto& g) {
             g.connection_param = g.host_param = false;
             g.barman_mode = g.copy_external_config_files = g.fast_checkpoint = true;
             g.pgdata = g.no_upstream_connection = true;
         },
         {"--copy-external-config-files ineffective in Barman mode",
          "-c/--fast-checkpoint has no effect in Barman mode"}},
        {"clone's options without Barman",
         A::standby_clone,
         [](auto& g) {
             g.pgdata = g.upstream_conninfo = g.replication_user = true;
             g.no_upstream_connection = true;
         },
         {"-D/--pgdata will be ignored if a repmgr configuration file is provided",
          "--replication-user ineffective when specifying --upstream-conninfo",
          "--no-upstream-connection only effective in Barman mode"}},
        {"clone with config_directory, in either mode, after the mode's lines",
         A::standby_clone,
         [](auto& g) { g.config_directory = g.no_upstream_connection = true; },
         {"--no-upstream-connection only effective in Barman mode",
          "\"config_directory\" set in repmgr.conf, but --copy-external-config-files not "
          "provided"}},
        {"clone with config_directory in Barman mode",
         A::standby_clone,
         [](auto& g) { g.config_directory = g.barman_mode = g.fast_checkpoint = true; },
         {"-c/--fast-checkpoint has no effect in Barman mode",
          "\"config_directory\" set in repmgr.conf, but --copy-external-config-files not "
          "provided"}},
        {"clone with config_directory and --copy-external-config-files",
         A::standby_clone,
         [](auto& g) { g.config_directory = g.copy_external_config_files = true; },
         {}},
        {"config_directory where only the clone reads it",
         A::standby_register,
         [](auto& g) {
             g.connection_param = false;
             g.config_directory = true;
         },
         {}},
        {"witness register without -h",
         A::witness_register,
         [](auto& g) { g.host_param = false; },
         {},
         {"host name for the source node must be provided with -h/--host when executing "
          "WITNESS REGISTER"}},
        {"node status names another node",
         A::node_status,
         [](auto& g) {
             g.connection_param = false;
             g.node_id = g.node_name = true;
         },
         {"--node-id will be ignored; \"repmgr node status\" can only be executed on the local "
          "node",
          "--node-name will be ignored; \"repmgr node status\" can only be executed on the local "
          "node",
          "--node-id not required when executing NODE STATUS",
          "--node-name not required when executing NODE STATUS"}},
        {"node rejoin without a connection",
         A::node_rejoin,
         [](auto& g) { g.connection_param = g.host_param = false; },
         {},
         {"database connection parameters for an available node must be provided when "
          "executing NODE REJOIN"}},
        {"-D where it is read",
         A::node_service,
         [](auto& g) {
             g.connection_param = false;
             g.pgdata = true;
         },
         {}},
        {"-D elsewhere",
         A::cluster_show,
         [](auto& g) { g.pgdata = true; },
         {"-D/--pgdata not required when executing CLUSTER SHOW"}},
        {"--node-id and --node-name for cluster event",
         A::cluster_event,
         [](auto& g) {
             g.connection_param = false;
             g.node_id = g.node_name = true;
         },
         {"--node-id provided, ignoring --node-name"}},
        {"--node-name alone for standby unregister",
         A::standby_unregister,
         [](auto& g) {
             g.connection_param = false;
             g.node_name = true;
         },
         {}},
        {"--node-id and --node-name for a promote",
         A::standby_promote,
         [](auto& g) {
             g.connection_param = false;
             g.node_id = g.node_name = true;
         },
         {"--node-id not required when executing STANDBY PROMOTE",
          "--node-name not required when executing STANDBY PROMOTE"}},
        {"--upstream-node-id and --replication-user for standby register",
         A::standby_register,
         [](auto& g) { g.upstream_node_id = g.replication_user = true; },
         {}},
        {"--replication-user for standby follow",
         A::standby_follow,
         [](auto& g) { g.replication_user = true; },
         {"--replication-user ignored when executing STANDBY FOLLOW"}},
        {"--upstream-node-id and --replication-user for a switchover",
         A::standby_switchover,
         [](auto& g) {
             g.connection_param = false;
             g.upstream_node_id = g.replication_user = true;
         },
         {"--upstream-node-id will be ignored when executing STANDBY SWITCHOVER",
          "--replication-user not required when executing STANDBY SWITCHOVER"}},
        {"-S where it is read",
         A::standby_switchover,
         [](auto& g) {
             g.connection_param = false;
             g.superuser = true;
         },
         {}},
        {"-S for node rejoin",
         A::node_rejoin,
         [](auto& g) { g.superuser = true; },
         {"--superuser ignored when executing NODE REJOIN"}},
        {"cluster event's options elsewhere",
         A::cluster_cleanup,
         [](auto& g) {
             g.connection_param = false;
             g.replication_conf_only = g.event = g.limit = g.all = true;
         },
         {"--create-recovery-conf will be ignored when executing CLUSTER CLEANUP",
          "--event not required when executing CLUSTER CLEANUP",
          "--limit not required when executing CLUSTER CLEANUP",
          "--all not required when executing CLUSTER CLEANUP"}},
        {"--limit and --all for cluster event",
         A::cluster_event,
         [](auto& g) {
             g.connection_param = false;
             g.event = g.limit = g.all = true;
         },
         {"--limit provided, ignoring --all"}},
        {"--wait and --no-wait",
         A::daemon_start,
         [](auto& g) {
             g.connection_param = false;
             g.wait = g.no_wait = true;
         },
         {},
         {"both --wait and --no-wait options provided"}},
        {"--wait for standby follow, --no-wait for node rejoin",
         A::standby_follow,
         [](auto& g) { g.wait = true; },
         {}},
        {"--no-wait for node rejoin", A::node_rejoin, [](auto& g) { g.no_wait = true; }, {}},
        {"--no-wait for standby follow (repmgr's -W)",
         A::standby_follow,
         [](auto& g) { g.no_wait = true; },
         {"--no-wait will be ignored when executing STANDBY FOLLOW"}},
        {"switchover's and rejoin's options for a promote",
         A::standby_promote,
         [](auto& g) {
             g.connection_param = false;
             g.wait = g.action = g.is_shutdown_cleanly = g.always_promote = true;
             g.force_rewind = g.repmgrd_no_pause = g.repmgrd_force_unpause = true;
             g.config_files = true;
         },
         {"--wait will be ignored when executing STANDBY PROMOTE",
          "--action will be ignored when executing STANDBY PROMOTE",
          "--is-shutdown-cleanly will be ignored when executing STANDBY PROMOTE",
          "--always-promote will be ignored when executing STANDBY PROMOTE",
          "--force-rewind will be ignored when executing STANDBY PROMOTE",
          "--repmgrd-no-pause will be ignored when executing STANDBY PROMOTE",
          "--repmgrd-force-unpause will be ignored when executing STANDBY PROMOTE",
          "--config-files will be ignored when executing STANDBY PROMOTE"}},
        {"switchover's options for a switchover",
         A::standby_switchover,
         [](auto& g) {
             g.connection_param = false;
             g.always_promote = g.force_rewind = g.repmgrd_force_unpause = true;
             g.siblings_follow = g.dry_run = true;
         },
         {}},
        {"--repmgrd-no-pause with --repmgrd-force-unpause",
         A::standby_switchover,
         [](auto& g) {
             g.connection_param = false;
             g.repmgrd_no_pause = g.repmgrd_force_unpause = true;
         },
         {},
         {"--repmgrd-force-unpause and --repmgrd-no-pause cannot be used together"}},
        {"rejoin's options for node rejoin",
         A::node_rejoin,
         [](auto& g) { g.force_rewind = g.config_files = g.dry_run = true; },
         {}},
        {"--dry-run, output and switchover options for node check",
         A::node_check,
         [](auto& g) {
             g.connection_param = false;
             g.dry_run = g.compact = g.detail = g.siblings_follow = true;
             g.output_formats = 1;
         },
         {"--dry-run is not effective when executing NODE CHECK",
          "--compact is not effective when executing NODE CHECK",
          "--detail is not effective when executing NODE CHECK",
          "----siblings-follow is not effective when executing NODE CHECK"}},
        {"--compact and --detail for service status",
         A::service_status,
         [](auto& g) {
             g.connection_param = false;
             g.compact = g.detail = g.dry_run = true;
         },
         {}},
        {"two output forms",
         A::cluster_show,
         [](auto& g) { g.output_formats = 2; },
         {},
         {"only one of --csv, --nagios and --optformat can be used"}},
        {"every error together, in repmgr's order",
         A::standby_switchover,
         [](auto& g) {
             g.connection_param = false;
             g.wait = g.no_wait = g.repmgrd_no_pause = g.repmgrd_force_unpause = true;
             g.output_formats = 3;
         },
         {},
         {"both --wait and --no-wait options provided",
          "--repmgrd-force-unpause and --repmgrd-no-pause cannot be used together",
          "only one of --csv, --nagios and --optformat can be used"}},
        {"both WAL receiver options for node control",
         A::node_control,
         [](auto& g) {
             g.connection_param = false;
             g.disable_wal_receiver = g.enable_wal_receiver = true;
         },
         {},
         {"provide either --disable-wal-receiver or --enable-wal-receiver"}},
        {"a WAL receiver option elsewhere",
         A::witness_unregister,
         [](auto& g) { g.enable_wal_receiver = true; },
         {"--disable-wal-receiver / --enable-wal-receiver not effective when executing WITNESS "
          "UNREGISTER"}},
    };
    return table;
}

}  // namespace

TEST_CASE("each of repmgr's option rules warns or refuses where repmgr does, in its order",
          "[cli][options]") {
    for (const auto& c : cases()) {
        INFO(c.what);
        const auto problems = check_cli_parameters(c.action, with_host(c));
        CHECK(problems.warnings == c.warnings);
        CHECK(problems.errors == c.errors);
    }
}

TEST_CASE("a command's words name repmgr's action, its aliases included", "[cli][options]") {
    CHECK(repmgr_action({"master", "register"}) == A::primary_register);
    CHECK(repmgr_action({"daemon", "pause"}) == A::service_pause);
    CHECK(repmgr_action({"daemon", "start"}) == A::daemon_start);
    CHECK(repmgr_action({"standby", "clone", "db1"}) == A::standby_clone);
    CHECK_FALSE(repmgr_action({"standby"}).has_value());
    CHECK(action_name(A::service_status) == "SERVICE STATUS");
}

TEST_CASE("the command line's options are read as repmgr's runtime options", "[cli][options]") {
    CliOptions options;
    options.words = {"standby", "clone"};
    // A conninfo in -d names the host, as repmgr parses it; a bare name is a database name.
    options.dbname = "host=db1 port=5433";
    CHECK(given_options(options, false).host_param);
    options.dbname = "postgresql://db1/x";
    CHECK(given_options(options, false).host_param);
    options.dbname = "postgres";
    CHECK_FALSE(given_options(options, false).host_param);
    CHECK(given_options(options, false).connection_param);
    // -W is repmgr's --no-wait; -w its --wait.
    options.capital_w = true;
    CHECK(given_options(options, false).no_wait);
    CHECK_FALSE(given_options(options, false).wait);
    // barman_host makes Barman mode unless --without-barman.
    CHECK(given_options(options, true).barman_mode);
    options.without_barman = true;
    CHECK_FALSE(given_options(options, true).barman_mode);
}

TEST_CASE("the getopt warnings come before check_cli_parameters' and errors stay apart",
          "[cli][options]") {
    CliOptions options;
    options.words = {"cluster", "show"};
    options.check_upstream_config = true;
    options.csv = options.nagios = true;
    options.detail = true;
    const auto problems = command_line_problems(options, false);
    CHECK(problems.warnings == Strings{"--check-upstream-config is deprecated; use --dry-run "
                                       "instead",
                                       "--detail is not effective when executing CLUSTER SHOW"});
    CHECK(problems.errors == Strings{"only one of --csv, --nagios and --optformat can be used"});
    // repmgr.conf's config_directory reaches the rules: a clone without
    // --copy-external-config-files is warned.
    CliOptions clone;
    clone.words = {"standby", "clone"};
    clone.dbname = "host=db1 dbname=postgres";
    CHECK(command_line_problems(clone, false, false).warnings.empty());
    CHECK(command_line_problems(clone, false, true).warnings ==
          Strings{"\"config_directory\" set in repmgr.conf, but --copy-external-config-files not "
                  "provided"});
    CHECK(command_line_problems(clone, false, true).errors.empty());
}

namespace {}  // namespace

TEST_CASE(
    "the options --node-id and --node-name are dropped where repmgr warns they are not required",
    "[cli][options]") {
    // standby register would otherwise register node 5 instead of the local node.
    auto options = pgwarden_args({"standby", "register", "--node-id", "5", "--node-name", "x"});
    CHECK_FALSE(options.node_id);
    CHECK_FALSE(options.node_name);
    CHECK(command_line_problems(options, false).warnings ==
          Strings{"--node-id not required when executing STANDBY REGISTER",
                  "--node-name not required when executing STANDBY REGISTER"});
    // node status: its own warning, then the general one, which is where repmgr clears it.
    options = pgwarden_args({"node", "status", "--node-id", "5"});
    CHECK_FALSE(options.node_id);
    CHECK(command_line_problems(options, false).warnings ==
          Strings{"--node-id will be ignored; \"repmgr node status\" can only be executed on "
                  "the local node",
                  "--node-id not required when executing NODE STATUS"});
    // Where they are read they stay; --node-id wins over --node-name.
    options = pgwarden_args({"cluster", "event", "--node-id", "5", "--node-name", "x"});
    CHECK(options.node_id == 5);
    CHECK_FALSE(options.node_name);
    CHECK(command_line_problems(options, false).warnings ==
          Strings{"--node-id provided, ignoring --node-name"});
    options = pgwarden_args({"standby", "unregister", "--node-name", "x"});
    CHECK(options.node_name == "x");
    CHECK(command_line_problems(options, false).warnings.empty());
    options = pgwarden_args({"primary", "unregister", "--node-id", "5", "--node-name", "x"});
    CHECK(options.node_id == 5);
    CHECK_FALSE(options.node_name);
    // Without a command repmgr knows nothing is dropped.
    options = pgwarden_args({"--node-id", "5"});
    CHECK(options.node_id == 5);
}
