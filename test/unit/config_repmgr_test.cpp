// repmgr.conf's value rules, required keys, cross-checks and warnings (the defaults, a typical
// file and the shipped samples: config_repmgr_defaults_test.cpp; finding the file:
// config_repmgr_locate_test.cpp).
#include "config/repmgr_config.hpp"

#include "config_repmgr_fixture.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgwarden::config;
using namespace pgwarden::test;

namespace {

std::string repmgr_conf_error_of(const std::string& text) {
    try {
        repmgr_conf_from_text(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("booleans read as repmgr reads them, any case, nothing else") {
    for (const char* yes : {"on", "ON", "true", "True", "yes", "YES", "1"}) {
        INFO(yes);
        CHECK(repmgr_conf_from_text(kRequiredRepmgrConf + "monitoring_history = '" + yes + "'\n")
                  .monitoring_history);
    }
    for (const char* no : {"off", "false", "No", "0"}) {
        INFO(no);
        CHECK_FALSE(
            repmgr_conf_from_text(kRequiredRepmgrConf + "monitoring_history = '" + no + "'\n")
                .monitoring_history);
    }
    for (const char* bad : {"t", "of", " on", "", "2", "maybe"}) {
        INFO(bad);
        CHECK_THAT(
            repmgr_conf_error_of(kRequiredRepmgrConf + "monitoring_history = '" + bad + "'\n"),
            Catch::Equals("/etc/repmgr.conf:5: invalid value for parameter "
                          "\"monitoring_history\": \"" +
                          std::string(bad) + "\" (expected on/off, true/false, yes/no or 1/0)"));
    }
}

TEST_CASE("integers are checked against repmgr's minimums and the timeouts' maximums") {
    struct Case {
        std::string line;
        std::string message;  // empty: accepted
    };
    const std::vector<Case> cases = {
        {"reconnect_attempts=abc",
         "/etc/repmgr.conf:5: invalid value for parameter \"reconnect_attempts\": \"abc\" "
         "(expected an integer >= 0)"},
        {"reconnect_attempts=-3",
         "/etc/repmgr.conf:5: invalid value for parameter \"reconnect_attempts\": \"-3\" "
         "(expected an integer >= 0)"},
        {"reconnect_attempts=''",
         "/etc/repmgr.conf:5: invalid value for parameter \"reconnect_attempts\": \"\" (expected "
         "an integer >= 0)"},
        {"reconnect_attempts=2147483648",
         "/etc/repmgr.conf:5: invalid value for parameter \"reconnect_attempts\": \"2147483648\" "
         "(expected an integer from 0 to 2147483647)"},
        {"reconnect_attempts=-2147483649",
         "/etc/repmgr.conf:5: invalid value for parameter \"reconnect_attempts\": \"-2147483649\" "
         "(expected an integer from 0 to 2147483647)"},
        {"node_id=0",
         "/etc/repmgr.conf:5: invalid value for parameter \"node_id\": \"0\" (expected an integer "
         ">= 1)"},
        {"monitor_interval_secs=0",
         "/etc/repmgr.conf:5: invalid value for parameter \"monitor_interval_secs\": \"0\" "
         "(expected an integer >= 1)"},
        {"degraded_monitoring_timeout=-2",
         "/etc/repmgr.conf:5: invalid value for parameter \"degraded_monitoring_timeout\": \"-2\" "
         "(expected an integer >= -1)"},
        {"promote_delay=0",  // repmgr's minimum is 1 although the default is 0
         "/etc/repmgr.conf:5: invalid value for parameter \"promote_delay\": \"0\" (expected an "
         "integer >= 1)"},
        {"reconnect_attempts=0", ""},
        {"reconnect_attempts=+7", ""},
        {"reconnect_attempts=' 7 '", ""},
        {"degraded_monitoring_timeout=-1", ""},
        {"child_nodes_connected_min_count=-1", ""},
        {"reconnect_attempts=2147483647", ""},
        // Seconds that become a statement_timeout in ms, or are added up: at most INT_MAX / 1000.
        {"async_query_timeout=2147484",
         "/etc/repmgr.conf:5: invalid value for parameter \"async_query_timeout\": \"2147484\" "
         "(expected an integer from 0 to 2147483)"},
        {"async_query_timeout=2147483647",
         "/etc/repmgr.conf:5: invalid value for parameter \"async_query_timeout\": "
         "\"2147483647\" (expected an integer from 0 to 2147483)"},
        {"primary_follow_timeout=2147483647",
         "/etc/repmgr.conf:5: invalid value for parameter \"primary_follow_timeout\": "
         "\"2147483647\" (expected an integer from 1 to 2147483)"},
        {"standby_follow_timeout=3000000",
         "/etc/repmgr.conf:5: invalid value for parameter \"standby_follow_timeout\": "
         "\"3000000\" (expected an integer from 1 to 2147483)"},
        {"async_query_timeout=0", ""},
    };
    for (const auto& c : cases) {
        INFO(c.line);
        if (c.message.empty())
            CHECK_NOTHROW(repmgr_conf_from_text(kRequiredRepmgrConf + c.line + "\n"));
        else
            CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + c.line + "\n") == c.message);
    }
}

// A value in seconds that becomes milliseconds (statement_timeout, an int in PostgreSQL) or is
// added to another must stay below INT_MAX / 1000, or it would overflow there.
TEST_CASE("async_query_timeout and the follow timeouts may reach 2147483 seconds, and add up") {
    const auto config =
        repmgr_conf_from_text(kRequiredRepmgrConf +
                              "async_query_timeout=2147483\nprimary_follow_timeout=2147483\n"
                              "standby_follow_timeout=2147483\n");
    CHECK(config.async_query_timeout == 2147483);
    CHECK(config.primary_follow_timeout + config.standby_follow_timeout == 4294966);
}

TEST_CASE("text after a number is ignored as repmgr does, with a warning") {
    const auto config = repmgr_conf_from_text(kRequiredRepmgrConf +
                                              "reconnect_attempts=5s\nreconnect_interval=0x10\n");
    CHECK(config.reconnect_attempts == 5);
    CHECK(config.reconnect_interval == 0);
    REQUIRE(config.warnings.size() == 2);
    CHECK(config.warnings[0] ==
          "/etc/repmgr.conf:5: value \"5s\" for parameter \"reconnect_attempts\" read as 5: the "
          "text after the number is ignored, as repmgr does");
}

TEST_CASE("failover and connection_check_type take repmgr's words") {
    CHECK(repmgr_conf_from_text(kRequiredRepmgrConf + "failover=manual\n").failover ==
          FailoverMode::manual);
    CHECK(repmgr_conf_from_text(kRequiredRepmgrConf + "connection_check_type=CONNECTION\n")
              .connection_check_type == ConnectionCheckType::connection);
    CHECK(repmgr_conf_from_text(kRequiredRepmgrConf + "connection_check_type=ping\n")
              .connection_check_type == ConnectionCheckType::ping);
    CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + "failover=Automatic\n") ==
          "/etc/repmgr.conf:5: invalid value for parameter \"failover\": \"Automatic\" (expected "
          "\"automatic\" or \"manual\", in lower case)");
    CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + "failover=auto\n") ==
          "/etc/repmgr.conf:5: invalid value for parameter \"failover\": \"auto\" (expected "
          "\"automatic\" or \"manual\")");
    CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + "connection_check_type=tcp\n") ==
          "/etc/repmgr.conf:5: invalid value for parameter \"connection_check_type\": \"tcp\" "
          "(expected \"ping\", \"connection\" or \"query\")");
    CHECK(repmgr_conf_from_text(kRequiredRepmgrConf + "replication_type=PHYSICAL\n")
              .replication_type == "physical");
    CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + "replication_type=bdr\n") ==
          "/etc/repmgr.conf:5: invalid value for parameter \"replication_type\": \"bdr\" (expected "
          "\"physical\")");
}

TEST_CASE("a bad log_level is a warning and the program's default stays, as in repmgr") {
    CHECK(repmgr_conf_from_text(kRequiredRepmgrConf + "log_level=debug\n").log_level ==
          pgwarden::log::Level::debug);
    CHECK_FALSE(repmgr_conf_from_text(kRequiredRepmgrConf).log_level.has_value());
    const auto config = repmgr_conf_from_text(kRequiredRepmgrConf + "log_level=ERR\n");
    CHECK_FALSE(config.log_level.has_value());
    REQUIRE(config.warnings.size() == 1);
    CHECK(config.warnings[0] ==
          "/etc/repmgr.conf:5: invalid value for parameter \"log_level\": \"ERR\" ignored "
          "(expected DEBUG, INFO, NOTICE, WARNING, ERROR, ALERT, CRIT or EMERG)");
}

TEST_CASE("missing required parameters are all reported together") {
    CHECK(repmgr_conf_error_of("priority=5\n") ==
          "/etc/repmgr.conf: required parameter \"node_id\" was not found\n"
          "/etc/repmgr.conf: required parameter \"node_name\" was not found\n"
          "/etc/repmgr.conf: required parameter \"data_directory\" was not found\n"
          "/etc/repmgr.conf: required parameter \"conninfo\" was not found");
    CHECK(
        repmgr_conf_error_of("node_id=1\nnode_name=''\nconninfo='host=a'\ndata_directory='/d'\n") ==
        "/etc/repmgr.conf:2: required parameter \"node_name\" is empty");
}

TEST_CASE("syntax errors and value errors come back in one message") {
    try {
        repmgr_conf_from_text(
            "node_id=abc\nnode_name=\"n\"\nconninfo='host=a'\ndata_directory='/d'\n"
            "monitoring_history=maybe\n");
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              "/etc/repmgr.conf:2: syntax error near \"\\\"n\\\"\" (double-quoted strings are not "
              "allowed; use single quotes)\n"
              "/etc/repmgr.conf:1: invalid value for parameter \"node_id\": \"abc\" (expected an "
              "integer >= 1)\n"
              "/etc/repmgr.conf:5: invalid value for parameter \"monitoring_history\": \"maybe\" "
              "(expected on/off, true/false, yes/no or 1/0)\n"
              "/etc/repmgr.conf: required parameter \"node_name\" was not found");
        CHECK(e.problems().size() == 4);
    }
}

TEST_CASE("node_name is at most 63 characters, strings at most 1023") {
    const std::string name63(63, 'n');
    CHECK(repmgr_conf_from_text("node_id=1\nnode_name='" + name63 +
                                "'\nconninfo='host=a'\ndata_directory='/d'\n")
              .node_name == name63);
    CHECK(repmgr_conf_error_of("node_id=1\nnode_name='" + name63 +
                               "x'\nconninfo='host=a'\ndata_directory='/d'\n") ==
          "/etc/repmgr.conf:2: invalid value for parameter \"node_name\": 64 characters long (at "
          "most 63 allowed)");
    CHECK(
        repmgr_conf_error_of(kRequiredRepmgrConf + "location='" + std::string(1024, 'l') + "'\n") ==
        "/etc/repmgr.conf:5: invalid value for parameter \"location\": 1024 characters long (at "
        "most 1023 allowed)");
}

TEST_CASE("unknown and retired parameters are warnings, not failures") {
    const auto config =
        repmgr_conf_from_text(kRequiredRepmgrConf +
                              "foo=bar\nNODE_ID=3\ncluster=test\nnode=1\nloglevel=INFO\n"
                              "logfacility=STDERR\nlogfile='/x'\nupstream_node=2\n"
                              "master_reponse_timeout=60\nretry_promote_interval_secs=300\n");
    CHECK(config.node_id == 1);
    const std::vector<std::string> expected = {
        "/etc/repmgr.conf:5: unknown parameter \"foo\" ignored",
        "/etc/repmgr.conf:6: unknown parameter \"NODE_ID\" ignored",
        "/etc/repmgr.conf:7: parameter \"cluster\" is deprecated and will be ignored",
        "/etc/repmgr.conf:8: parameter \"node\" has been renamed to \"node_id\"",
        "/etc/repmgr.conf:9: parameter \"loglevel\" has been renamed to \"log_level\"",
        "/etc/repmgr.conf:10: parameter \"logfacility\" has been renamed to \"log_facility\"",
        "/etc/repmgr.conf:11: parameter \"logfile\" has been renamed to \"log_file\"",
        "/etc/repmgr.conf:12: parameter \"upstream_node\" has been removed; use "
        "\"--upstream-node-id\" when cloning a standby",
        "/etc/repmgr.conf:13: parameter \"master_reponse_timeout\" has been removed; use "
        "\"async_query_timeout\" instead",
        "/etc/repmgr.conf:14: parameter \"retry_promote_interval_secs\" has been removed; use "
        "\"primary_notification_timeout\" instead",
    };
    CHECK(config.warnings == expected);
}

TEST_CASE("libpq must understand every conninfo keyword") {
    CHECK(repmgr_conf_error_of(
              "node_id=1\nnode_name='n'\nconninfo='hostx=a'\ndata_directory='/d'\n") ==
          "/etc/repmgr.conf:3: invalid value for parameter \"conninfo\": invalid connection "
          "option \"hostx\"");
    CHECK_NOTHROW(repmgr_conf_from_text(
        "node_id=1\nnode_name='n'\ndata_directory='/d'\n"
        "conninfo='postgresql://repmgr@node1:5432/repmgr?connect_timeout=2'\n"));
}

TEST_CASE("related settings are checked against each other, naming where each came from") {
    CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + "archive_ready_warning=200\n") ==
          "/etc/repmgr.conf: \"archive_ready_critical\" (128, default) must be greater than "
          "\"archive_ready_warning\" (200, /etc/repmgr.conf:5)");
    CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + "replication_lag_critical=300\n") ==
          "/etc/repmgr.conf: \"replication_lag_critical\" (300, /etc/repmgr.conf:5) must be "
          "greater than \"replication_lag_warning\" (300, default)");
    CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + "standby_reconnect_timeout=30\n") ==
          "/etc/repmgr.conf: \"standby_reconnect_timeout\" (30, /etc/repmgr.conf:5) must be equal "
          "to or greater than \"node_rejoin_timeout\" (60, default)");
    CHECK_NOTHROW(repmgr_conf_from_text(kRequiredRepmgrConf +
                                        "standby_reconnect_timeout=30\nnode_rejoin_timeout=30\n"));
    CHECK_THAT(repmgr_conf_error_of(kRequiredRepmgrConf + "barman_host=backup1\n"),
               Catch::StartsWith("/etc/repmgr.conf: \"barman_host\" and \"barman_server\" must be "
                                 "set together"));
    CHECK_NOTHROW(
        repmgr_conf_from_text(kRequiredRepmgrConf + "barman_host=backup1\nbarman_server=main\n"));
}

TEST_CASE("repmgrd_standby_startup_timeout falls back to standby_reconnect_timeout") {
    CHECK(repmgr_conf_from_text(kRequiredRepmgrConf + "standby_reconnect_timeout=90\n")
              .repmgrd_standby_startup_timeout == 90);
    CHECK(repmgr_conf_from_text(kRequiredRepmgrConf + "repmgrd_standby_startup_timeout=5\n")
              .repmgrd_standby_startup_timeout == 5);
}

TEST_CASE("list-like keys add up, and for everything else the last setting wins") {
    const auto config =
        repmgr_conf_from_text(kRequiredRepmgrConf +
                              "priority=1\npriority=2\n"
                              "event_notifications='a, b,,c'\nevent_notifications='d'\n"
                              "tablespace_mapping='/old/a=/new/a/'\n"
                              "tablespace_mapping='/old/with\\\\=sign=/new/b'\n");
    CHECK(config.priority == 2);
    CHECK(config.event_notifications == std::vector<std::string>{"a", "b", "c", "d"});
    REQUIRE(config.tablespace_mapping.size() == 2);
    CHECK(config.tablespace_mapping[0].new_dir == "/new/a");
    CHECK(config.tablespace_mapping[1].old_dir == "/old/with=sign");
    CHECK_THAT(repmgr_conf_error_of(kRequiredRepmgrConf + "tablespace_mapping='/a'\n"),
               Catch::EndsWith("(expected OLDDIR=NEWDIR)"));
    CHECK_THAT(repmgr_conf_error_of(kRequiredRepmgrConf + "tablespace_mapping='/a=/b=/c'\n"),
               Catch::Contains("with one '='"));
}

TEST_CASE("recovery_min_apply_delay takes a duration with repmgr's units") {
    for (const char* good : {"5min", "10s", "300", "1h", "2d", "250ms", ""}) {
        INFO(good);
        CHECK(
            repmgr_conf_from_text(kRequiredRepmgrConf + "recovery_min_apply_delay='" + good + "'\n")
                .recovery_min_apply_delay == good);
    }
    CHECK(repmgr_conf_error_of(kRequiredRepmgrConf + "recovery_min_apply_delay='5x'\n") ==
          "/etc/repmgr.conf:5: invalid value for parameter \"recovery_min_apply_delay\": \"5x\" "
          "(expected an integer followed by one of ms, s, min, h or d)");
    CHECK_THAT(repmgr_conf_error_of(kRequiredRepmgrConf + "recovery_min_apply_delay=-1\n"),
               Catch::EndsWith("(expected a duration >= 0)"));
}

TEST_CASE("paths are canonicalized as repmgr does") {
    const auto config = repmgr_conf_from_text(
        kRequiredRepmgrConf + "log_file='a/../b//c/'\npg_bindir='/usr/lib/x/./bin/'\n");
    CHECK(config.log_file == "b/c");
    CHECK(config.pg_bindir == "/usr/lib/x/bin");
}

TEST_CASE("every raw key remembers its value, file and line") {
    TempDir dir;
    dir.write("conf.d/prio.conf", "priority = 7\n");
    const std::string path = dir.write(
        "repmgr.conf", kRequiredRepmgrConf + "priority = 5\ninclude_dir 'conf.d'\nfoo = 'x'\n");
    const auto config = load_repmgr_conf(path);
    CHECK(config.priority == 7);
    REQUIRE(config.raw.count("priority") == 1);
    CHECK(config.raw.at("priority").value == "7");
    CHECK(config.raw.at("priority").file == dir.path("conf.d/prio.conf"));
    CHECK(config.raw.at("priority").line == 1);
    CHECK(config.raw.at("foo").value == "x");
    CHECK(source_of(config, "priority") == dir.path("conf.d/prio.conf") + ":1");
    CHECK(source_of(config, "node_id") == path + ":1");
    CHECK(source_of(config, "location") == "default");
}

TEST_CASE("repmgrd needs promote and follow commands when failover is automatic") {
    const auto config =
        repmgr_conf_from_text(kRequiredRepmgrConf + "failover=automatic\nfollow_command='x %n'\n");
    CHECK_THROWS_WITH(check_repmgrd_requirements(config),
                      "/etc/repmgr.conf: required parameter \"promote_command\" was not found "
                      "(failover=automatic needs it; set failover=manual to run without)");
    CHECK_NOTHROW(check_repmgrd_requirements(repmgr_conf_from_text(kRequiredRepmgrConf)));
}
