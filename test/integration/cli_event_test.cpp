// record_event end to end: the events rows and event_notification_command with repmgr's
// placeholders, filtered by event_notifications.
#include "binaries.hpp"
#include "pg_cluster.hpp"
#include "process.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::PgCluster;
using pgwarden::test::PgClusterOptions;

namespace {

std::string write_conf(const PgCluster& cluster, int i, const std::string& extra) {
    const std::string path = cluster.dir() + fmt::format("/repmgr{}.conf", i);
    std::ofstream out(path);
    out << fmt::format("node_id={}\nnode_name='node{}'\nconninfo='{}'\ndata_directory='{}'\n{}\n",
                       i, i, cluster.node(i).conninfo(), cluster.node(i).data_dir, extra);
    out.close();
    pgwarden::test::give_to_postgres(path);
    return path;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

}  // namespace

TEST_CASE("event notifications run with repmgr's placeholders for the events asked for",
          "[cli][events]") {
    PgClusterOptions options;
    options.extra_conf = {"shared_preload_libraries = 'repmgr'"};
    PgCluster cluster(2, options);
    const std::string out_file = cluster.dir() + "/notifications.txt";
    { std::ofstream touch(out_file); }
    pgwarden::test::give_to_postgres(out_file);
    const std::string extra = fmt::format(
        "event_notification_command='echo \"%n|%e|%s|%t|%p|%c|%a|%d\" >> {}'\n"
        "event_notifications='primary_register,standby_register'",
        out_file);
    const auto conf1 = write_conf(cluster, 1, extra);
    const auto conf2 = write_conf(cluster, 2, extra);

    for (const auto& [conf, words] :
         {std::pair{conf1, std::vector<std::string>{"primary", "register"}},
          std::pair{conf2, std::vector<std::string>{"standby", "register"}}}) {
        std::vector<std::string> argv{pgwarden::test::cli_bin(), "-f", conf};
        argv.insert(argv.end(), words.begin(), words.end());
        const auto result = pgwarden::test::run_command(argv, 60s, true);
        INFO(result.describe());
        REQUIRE(result.ok());
        // The standby finds the primary through the metadata it has replayed.
        cluster.wait_caught_up(2, 1);
    }

    // cluster_created is recorded but filtered out of the notifications.
    CHECK(cluster.psql(1,
                       "SELECT string_agg(event, ',' ORDER BY event_timestamp)"
                       " FROM repmgr.events") ==
          "cluster_created,primary_register,standby_register");
    const auto lines = read_lines(out_file);
    REQUIRE(lines.size() == 2);
    const auto ts = [&](const std::string& event) {
        return cluster.psql(
            1, "SELECT event_timestamp FROM repmgr.events WHERE event = '" + event + "'");
    };
    CHECK(lines[0] == fmt::format("1|primary_register|1|{}||||", ts("primary_register")));
    CHECK(lines[1] ==
          fmt::format("2|standby_register|1|{}|1|{}|node1|standby registration succeeded; "
                      "upstream node ID is 1",
                      ts("standby_register"), cluster.node(1).conninfo()));
}

TEST_CASE("a failing notification command is a warning and the event is still recorded",
          "[cli][events]") {
    PgClusterOptions options;
    options.extra_conf = {"shared_preload_libraries = 'repmgr'"};
    PgCluster cluster(1, options);
    const auto conf = write_conf(cluster, 1, "event_notification_command='exit 3'");
    const auto result = pgwarden::test::run_command(
        {pgwarden::test::cli_bin(), "-f", conf, "primary", "register"}, 60s, true);
    INFO(result.describe());
    CHECK(result.ok());
    CHECK(result.err.find("unable to execute event notification command") != std::string::npos);
    CHECK(cluster.psql(1, "SELECT count(*) FROM repmgr.events") == "2");
}
