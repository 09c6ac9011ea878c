// repmgr 5.3's node check and node status wording, statuses and forms, from facts alone.
#include "node_check.hpp"
#include "node_facts_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cli;

using pgwarden::cli::test::standby_facts;

TEST_CASE("replication lag is OK, WARNING above the warning and CRITICAL from the critical mark",
          "[node-check]") {
    struct Case {
        std::optional<int> lag;
        CheckStatus status;
        std::string text;
    };
    const std::vector<Case> cases = {
        {0, CheckStatus::ok, "OK (0 seconds)\n"},
        {300, CheckStatus::ok, "OK (300 seconds)\n"},
        {301, CheckStatus::warning, "WARNING (301 seconds, warning threshold: 300))\n"},
        {600, CheckStatus::critical, "CRITICAL (600 seconds, critical threshold: 600))\n"},
        {std::nullopt, CheckStatus::unknown, "UNKNOWN (unable to query replication lag)\n"},
    };
    for (const auto& c : cases) {
        auto facts = standby_facts();
        facts.lag_seconds = c.lag;
        const auto result = check_replication_lag(facts);
        CHECK(result.status == c.status);
        CHECK(format_single_check(result, CheckOutput::text) == c.text);
    }
    auto facts = standby_facts();
    facts.lag_seconds = 42;
    CHECK(format_single_check(check_replication_lag(facts), CheckOutput::nagios) ==
          "REPMGR_REPLICATION_LAG OK: 42 seconds | lag=42;300;600\n");
}

TEST_CASE("a standby running as primary fails the role check", "[node-check]") {
    auto facts = standby_facts();
    facts.in_recovery = false;
    const auto result = check_role(facts);
    CHECK(result.status == CheckStatus::critical);
    CHECK(result.nagios ==
          "REPMGR_SERVER_ROLE CRITICAL: node is registered as standby but running as primary\n");
}

TEST_CASE("a node whose recovery state is unknown is not taken for the other role",
          "[node-check]") {
    auto facts = standby_facts();
    facts.in_recovery = std::nullopt;
    CHECK(check_role(facts).status == CheckStatus::ok);
    CHECK(check_role(facts).details == "node is standby");
    facts.type = pgwarden::model::NodeType::primary;
    CHECK(check_role(facts).status == CheckStatus::ok);
    CHECK(check_role(facts).details == "node is primary");
}

TEST_CASE("a missing downstream node is CRITICAL and named in each form", "[node-check]") {
    NodeFacts facts = standby_facts();
    facts.type = pgwarden::model::NodeType::primary;
    facts.in_recovery = false;
    facts.downstream = {
        {"node2", 2, false, true}, {"node3", 3, false, false}, {"witness", 4, true, false}};
    const auto result = check_downstream(facts);
    CHECK(result.status == CheckStatus::critical);
    CHECK(format_single_check(result, CheckOutput::text) ==
          "CRITICAL (1 of 2 downstream nodes not attached; missing: node3 (ID: 3))\n");
    CHECK(result.nagios ==
          "REPMGR_DOWNSTREAM_SERVERS CRITICAL: 1 of 2 downstream nodes not "
          "attached (missing: node3 (ID: 3)) | attached=1, missing=1\n");
}

TEST_CASE("archive-ready thresholds are exceeded, not reached", "[node-check]") {
    auto facts = standby_facts();
    facts.ready_archive_files = 16;
    CHECK(check_archive_ready(facts).status == CheckStatus::ok);
    facts.ready_archive_files = 17;
    CHECK(check_archive_ready(facts).status == CheckStatus::warning);
    facts.ready_archive_files = 129;
    CHECK(check_archive_ready(facts).details ==
          "129 pending archive ready files, critical threshold: 128");
    facts.ready_archive_files.reset();
    CHECK(check_archive_ready(facts).status == CheckStatus::unknown);
}

TEST_CASE("a data directory other than the configured one is CRITICAL", "[node-check]") {
    auto facts = standby_facts();
    facts.actual_data_directory = "/elsewhere";
    const auto result = check_data_directory(facts);
    CHECK(result.status == CheckStatus::critical);
    CHECK(
        result.nagios ==
        "REPMGR_DATA_DIRECTORY CRITICAL: /srv/pg/data | actual data directory is \"/elsewhere\"\n");
}

TEST_CASE("the CSV overview leaves out the upstream row and the lag and archive details",
          "[node-check]") {
    const auto facts = standby_facts();
    const auto results = check_all(facts);
    CHECK(format_check_overview(facts, results, CheckOutput::csv) ==
          "\"Node name\",\"node2\"\n"
          "\"Node ID\",\"2\"\n"
          "\"Server role\",\"OK\",\"node is standby\"\n"
          "\"Replication lag\",\"OK\"\n"
          "\"WAL archiving\",\"OK\"\n"
          "\"Downstream servers\",\"OK\",\"this node has no downstream nodes\"\n"
          "\"Replication slots\",\"OK\",\"node has no physical replication slots\"\n"
          "\"Missing physical replication slots\",\"OK\",\"node has no missing physical "
          "replication slots\"\n"
          "\"Configured data directory\",\"OK\",\"configured \"data_directory\" is "
          "\"/srv/pg/data\"\"\n");
    const auto text = format_check_overview(facts, results, CheckOutput::text);
    CHECK(text.find("\tUpstream connection: OK (node \"node2\" (ID: 2) is attached to expected "
                    "upstream node \"node1\" (ID: 1))\n") != std::string::npos);
}

TEST_CASE("node status lists a primary's state and warns about a detached standby",
          "[node-check]") {
    NodeStatusFacts facts;
    facts.node_id = 1;
    facts.node_name = "node1";
    facts.type = pgwarden::model::NodeType::primary;
    facts.conninfo = "host=a";
    facts.server_version = "15.4";
    facts.cluster_size = "22 MB";
    facts.in_recovery = false;
    facts.ready_archive_files = 0;
    facts.max_wal_senders = 10;
    facts.attached_wal_receivers = 1;
    facts.max_replication_slots = 10;
    facts.downstream = {{"node2", 2, false, true}, {"node3", 3, false, false}};
    const auto report = format_node_status(facts, false);
    CHECK(report.text ==
          "Node \"node1\":\n"
          "\tPostgreSQL version: 15.4\n"
          "\tTotal data size: 22 MB\n"
          "\tConninfo: host=a\n"
          "\tRole: primary\n"
          "\tWAL archiving: off\n"
          "\tArchive command: (none)\n"
          "\tReplication connections: 1 (of maximal 10)\n"
          "\tReplication slots: 0 physical (of maximal 10; 0 missing)\n"
          "\tReplication lag: n/a\n"
          "\n");
    CHECK(report.warnings == std::vector<std::string>{"- 1 of 2 downstream nodes not attached:",
                                                      "  - node3 (ID: 3)\n"});
    const auto csv = format_node_status(facts, true).text;
    CHECK(csv.find("\"WALs pending archiving\",\"0\"\n") != std::string::npos);
    CHECK(csv.find("\"inactive_replication_slots\",0\n\"missing_replication_slots\",0\n") !=
          std::string::npos);
}

TEST_CASE("the repmgrd check is OK when the daemon runs, WARNING when paused, else CRITICAL",
          "[node-check]") {
    struct Case {
        bool running;
        bool paused;
        CheckStatus status;
        std::string text;
        std::string nagios;
    };
    const std::vector<Case> cases = {
        {true, false, CheckStatus::ok, "OK (repmgrd running)\n", "REPMGRD OK: repmgrd running\n"},
        {true, true, CheckStatus::warning, "WARNING (repmgrd running but paused)\n",
         "REPMGRD WARNING: repmgrd running but paused\n"},
        {false, false, CheckStatus::critical, "CRITICAL (repmgrd not running)\n",
         "REPMGRD CRITICAL: repmgrd not running\n"},
        // A pause flag without a daemon does not make it run.
        {false, true, CheckStatus::critical, "CRITICAL (repmgrd not running)\n",
         "REPMGRD CRITICAL: repmgrd not running\n"},
    };
    for (const auto& c : cases) {
        auto facts = standby_facts();
        facts.daemon_running = c.running;
        facts.daemon_paused = c.paused;
        const auto result = check_repmgrd(facts);
        INFO("running " << c.running << " paused " << c.paused);
        CHECK(result.status == c.status);
        CHECK(format_single_check(result, CheckOutput::text) == c.text);
        CHECK(format_single_check(result, CheckOutput::nagios) == c.nagios);
    }
    // The overview does not list it, as in repmgr.
    for (const auto& result : check_all(standby_facts()))
        CHECK(result.item != "repmgrd");
}
