// primary/standby register and unregister against real PostgreSQL 15 clusters, checked with the
// real repmgr 5.3 both ways: what pgwarden writes, repmgr reads, and the other way round.
#include "pg_cluster.hpp"
#include "process.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"

#include "cluster/schema.hpp"
#include "pg/connection.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::CommandResult;
using pgwarden::test::PgCluster;
using pgwarden::test::run_pgwarden;
using pgwarden::test::run_repmgr;
using pgwarden::test::with_repmgr_library;
using pgwarden::test::write_conf;

namespace {

// Everything a refusal must leave alone: the node rows and the event count.
std::string metadata_snapshot(const PgCluster& cluster) {
    if (cluster.psql(1, "SELECT to_regclass('repmgr.nodes') IS NULL") == "t")
        return "none";
    return cluster.psql(1,
                        "SELECT (SELECT string_agg(n::text, ';' ORDER BY node_id)"
                        " FROM repmgr.nodes n) || '/' || (SELECT count(*) FROM repmgr.events)");
}

}  // namespace

TEST_CASE("a cluster registered by pgwarden is shown correctly by the real repmgr",
          "[cli][register]") {
    PgCluster cluster(3, with_repmgr_library());
    const auto conf1 = write_conf(cluster, 1);
    const auto conf2 = write_conf(cluster, 2);
    const auto conf3 = write_conf(cluster, 3);

    auto result = run_pgwarden(conf1, {"primary", "register"});
    INFO(result.describe() << result.out);
    REQUIRE(result.ok());
    CHECK(result.err.find("primary node record (ID: 1) registered") != std::string::npos);
    // A standby finds the primary through the metadata it has replayed, as repmgr's does.
    cluster.wait_caught_up(2, 1);
    cluster.wait_caught_up(3, 1);
    for (const auto& conf : {conf2, conf3}) {
        result = run_pgwarden(conf, {"standby", "register"});
        INFO(result.describe());
        REQUIRE(result.ok());
    }
    CHECK(cluster.psql(1, "SELECT extversion FROM pg_extension WHERE extname = 'repmgr'") == "5.3");
    CHECK(cluster.psql(1,
                       "SELECT string_agg(node_id || ':' || type || ':' ||"
                       " coalesce(upstream_node_id::text, '-') || ':' || slot_name, ' '"
                       " ORDER BY node_id) FROM repmgr.nodes") ==
          "1:primary:-:repmgr_slot_1 2:standby:1:repmgr_slot_2 3:standby:1:repmgr_slot_3");
    CHECK(cluster.psql(1,
                       "SELECT string_agg(node_id || ':' || event || ':' || successful, ' '"
                       " ORDER BY event_timestamp) FROM repmgr.events") ==
          "1:cluster_created:true 1:primary_register:true 2:standby_register:true "
          "3:standby_register:true");

    const auto shown = run_repmgr(conf2, {"cluster", "show"});
    INFO(shown.describe() << shown.out);
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.find("| node1 | primary | * running |          |") != std::string::npos);
    CHECK(shown.out.find("| node2 | standby |   running | node1    |") != std::string::npos);
    CHECK(shown.out.find("| node3 | standby |   running | node1    |") != std::string::npos);

    // The real repmgr unregisters what pgwarden registered, and the other way round.
    result = run_pgwarden(conf3, {"standby", "unregister"});
    INFO(result.describe());
    CHECK(result.ok());
    CHECK(cluster.psql(1, "SELECT count(*) FROM repmgr.nodes") == "2");
    CHECK(cluster.psql(1,
                       "SELECT count(*) FROM repmgr.events WHERE node_id = 3 AND"
                       " event = 'standby_unregister'") == "1");
}

TEST_CASE("a cluster registered by the real repmgr is read and re-registered by pgwarden",
          "[cli][register]") {
    PgCluster cluster(2, with_repmgr_library());
    const auto conf1 = write_conf(cluster, 1);
    const auto conf2 = write_conf(cluster, 2);
    REQUIRE(run_repmgr(conf1, {"primary", "register"}).ok());
    cluster.wait_caught_up(2, 1);
    REQUIRE(run_repmgr(conf2, {"standby", "register"}).ok());
    const auto before = cluster.psql(1,
                                     "SELECT string_agg(n::text, ';' ORDER BY node_id)"
                                     " FROM repmgr.nodes n");

    auto result = run_pgwarden(conf1, {"primary", "register"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("this node is already registered") != std::string::npos);

    result = run_pgwarden(conf1, {"primary", "register", "-F"});
    INFO(result.describe());
    REQUIRE(result.ok());
    CHECK(result.err.find("primary node record (ID: 1) updated") != std::string::npos);
    result = run_pgwarden(conf2, {"standby", "register", "-F"});
    INFO(result.describe());
    REQUIRE(result.ok());
    // Re-registering the same configuration writes the same rows repmgr wrote.
    CHECK(cluster.psql(1, "SELECT string_agg(n::text, ';' ORDER BY node_id) FROM repmgr.nodes n") ==
          before);
    CHECK(cluster.psql(1,
                       "SELECT details FROM repmgr.events WHERE event = 'primary_register'"
                       " ORDER BY event_timestamp DESC LIMIT 1") ==
          "existing primary record updated");

    for (const auto& args : std::vector<std::vector<std::string>>{
             {"cluster", "event"},
             {"cluster", "event", "--csv"},
             {"cluster", "event", "--compact", "--limit", "2"},
             {"cluster", "event", "--node-id", "2"},
             {"cluster", "event", "--event", "primary_register", "--all"},
             {"cluster", "event", "--event", "no_such_event"}}) {
        const auto ours = run_pgwarden(conf2, args);
        const auto theirs = run_repmgr(conf2, args);
        INFO(fmt::format("{}", fmt::join(args, " ")) << "\nrepmgr:\n"
                                                     << theirs.out << "\npgwarden:\n"
                                                     << ours.out);
        CHECK(ours.exit_code == theirs.exit_code);
        CHECK(ours.out == theirs.out);
    }
    const auto missing = run_pgwarden(conf2, {"cluster", "event", "--node-name", "nodeX"});
    CHECK(missing.exit_code ==
          run_repmgr(conf2, {"cluster", "event", "--node-name", "nodeX"}).exit_code);
}

TEST_CASE("refused registrations change nothing", "[cli][register]") {
    PgCluster cluster(2, with_repmgr_library());
    const auto conf1 = write_conf(cluster, 1);
    const auto conf2 = write_conf(cluster, 2);

    // No primary registered yet: the standby has nowhere to be written.
    auto result = run_pgwarden(conf2, {"standby", "register"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("unable to connect to the primary database") != std::string::npos);
    CHECK(metadata_snapshot(cluster) == "none");

    // A standby cannot be registered as the primary.
    result = run_pgwarden(conf2, {"primary", "register"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("server is in standby mode") != std::string::npos);
    CHECK(metadata_snapshot(cluster) == "none");

    result = run_pgwarden(conf1, {"primary", "register", "--dry-run"});
    CHECK(result.ok());
    CHECK(metadata_snapshot(cluster) == "none");

    REQUIRE(run_pgwarden(conf1, {"primary", "register"}).ok());
    cluster.wait_caught_up(2, 1);
    REQUIRE(run_pgwarden(conf2, {"standby", "register"}).ok());
    const auto registered = metadata_snapshot(cluster);

    // A second node claiming node2's name, an unknown upstream, a primary registered as standby,
    // a duplicate node_id: each refused with repmgr's exit code, nothing written.
    const auto dup_name = write_conf(cluster, 2, "", "dup_name.conf");
    {
        std::ofstream out(dup_name);
        out << fmt::format("node_id=7\nnode_name='node2'\nconninfo='{}'\ndata_directory='{}'\n",
                           cluster.node(2).conninfo(), cluster.node(2).data_dir);
    }
    result = run_pgwarden(dup_name, {"standby", "register", "-F"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("node 2 exists already with node_name \"node2\"") != std::string::npos);

    const auto new_node = write_conf(cluster, 2, "", "new_node.conf");
    {
        std::ofstream out(new_node);
        out << fmt::format("node_id=3\nnode_name='node3'\nconninfo='{}'\ndata_directory='{}'\n",
                           cluster.node(2).conninfo(), cluster.node(2).data_dir);
    }
    result = run_pgwarden(new_node, {"standby", "register", "--upstream-node-id", "9"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("no record found for upstream node 9") != std::string::npos);

    result = run_pgwarden(conf2, {"standby", "register"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("node 2 is already registered") != std::string::npos);

    result = run_pgwarden(conf1, {"standby", "register"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("this node should be a standby") != std::string::npos);

    result = run_pgwarden(conf1, {"primary", "unregister"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("1 other node still has this node as its upstream node") !=
          std::string::npos);

    CHECK(metadata_snapshot(cluster) == registered);

    // The same refusals from the real repmgr, for the exit codes.
    CHECK(run_repmgr(conf2, {"standby", "register"}).exit_code == 1);
    CHECK(run_repmgr(conf1, {"primary", "unregister"}).exit_code == 1);
}

TEST_CASE("the plain SQL schema has the extension's tables, columns, indexes and views",
          "[cli][register]") {
    PgCluster cluster(1, with_repmgr_library());
    cluster.psql(1, "CREATE DATABASE with_extension");
    cluster.psql(1, "CREATE DATABASE plain");
    {
        auto ext = pgwarden::pg::Connection::open(cluster.node(1).conninfo("with_extension"));
        pgwarden::cluster::create_schema(ext, true);
        auto plain = pgwarden::pg::Connection::open(cluster.node(1).conninfo("plain"));
        pgwarden::cluster::create_schema(plain, false);
        CHECK(pgwarden::cluster::schema_status(plain) ==
              pgwarden::cluster::SchemaStatus::plain_installed);
    }
    const std::string describe =
        "SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' ||"
        " is_nullable || ' ' || coalesce(column_default, '-') || ' ' ||"
        " coalesce(character_maximum_length::text, '-'), E'\\n'"
        " ORDER BY table_name, ordinal_position) FROM information_schema.columns"
        " WHERE table_schema = 'repmgr'";
    const std::string constraints =
        "SELECT string_agg(conrelid::regclass::text || ' ' || contype::text || ' ' ||"
        " pg_get_constraintdef(oid), E'\\n' ORDER BY conrelid::regclass::text, contype,"
        " pg_get_constraintdef(oid)) FROM pg_constraint"
        " WHERE connamespace = 'repmgr'::regnamespace";
    const std::string indexes =
        "SELECT string_agg(indexdef, E'\\n' ORDER BY indexdef) FROM pg_indexes"
        " WHERE schemaname = 'repmgr'";
    const std::string rules =
        "SELECT string_agg(tablename || ' ' || rulename, E'\\n' ORDER BY rulename) FROM pg_rules"
        " WHERE schemaname = 'repmgr'";
    for (const auto& query : {describe, constraints, indexes, rules}) {
        INFO(query);
        CHECK(cluster.psql(1, query, "plain") == cluster.psql(1, query, "with_extension"));
    }
    CHECK(cluster.psql(1, "SELECT count(*) FROM repmgr.replication_status", "plain") == "0");

    // primary register works on the plain schema as on the extension's.
    const auto conf = cluster.dir() + "/plain.conf";
    {
        std::ofstream out(conf);
        out << fmt::format("node_id=1\nnode_name='node1'\nconninfo='{}'\ndata_directory='{}'\n",
                           cluster.node(1).conninfo("plain"), cluster.node(1).data_dir);
    }
    pgwarden::test::give_to_postgres(conf);
    const auto result = run_pgwarden(conf, {"primary", "register", "-L", "info"});
    INFO(result.describe());
    CHECK(result.ok());
    CHECK(result.err.find("already installed (without the \"repmgr\" extension)") !=
          std::string::npos);
    CHECK(cluster.psql(1, "SELECT node_name || ' ' || type FROM repmgr.nodes", "plain") ==
          "node1 primary");
}

TEST_CASE("every register refuses a node_name that shell commands could not carry, writing nothing",
          "[cli][register]") {
    PgCluster cluster(1);
    const auto conf = write_conf(cluster, 1);
    std::string text;
    {
        std::ifstream in(conf);
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const std::string plain = "node_name='node1'";
    const auto at = text.find(plain);
    REQUIRE(at != std::string::npos);
    std::ofstream(conf) << text.replace(at, plain.size(), "node_name='node1;reboot'");

    const std::vector<std::vector<std::string>> commands = {
        {"primary", "register"},
        {"standby", "register"},
        {"witness", "register", "-h", "127.0.0.1", "-p", std::to_string(cluster.node(1).port)},
    };
    for (const auto& args : commands) {
        const auto result = run_pgwarden(conf, args);
        INFO(args[0] << " " << args[1] << ": exit " << result.exit_code << "\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(result.err.find("node_name \"node1;reboot\" cannot be registered") !=
              std::string::npos);
        CHECK(result.err.find("contains ';'") != std::string::npos);
    }
    CHECK(metadata_snapshot(cluster) == "none");
}
