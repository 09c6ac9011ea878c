// cluster cleanup beside the real repmgr 5.3: on the same monitoring_history rows, each program
// leaves the same rows, prints the same lines, exits the same and records the same event.
#include "pg_cluster.hpp"
#include "repmgr_cluster.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

// Rows for standbys 2 and 3, ten days, three days and one minute old.
void fill_history(const PgCluster& cluster) {
    cluster.psql(1,
                 "TRUNCATE repmgr.monitoring_history;"
                 "INSERT INTO repmgr.monitoring_history (primary_node_id, standby_node_id,"
                 " last_monitor_time, last_wal_primary_location, replication_lag, apply_lag)"
                 " SELECT 1, n, now() - age, '0/3000000', 0, 0"
                 " FROM unnest(ARRAY[2, 3]) n,"
                 " unnest(ARRAY['10 days', '3 days', '1 minute']::interval[]) age",
                 "postgres");
}

// The rows left, as standby:age in whole days.
std::string history(const PgCluster& cluster) {
    return cluster.psql(1,
                        "SELECT coalesce(string_agg(standby_node_id || ':' ||"
                        " extract(day FROM age(now(), last_monitor_time)), ','"
                        " ORDER BY standby_node_id, last_monitor_time), '')"
                        " FROM repmgr.monitoring_history");
}

std::string last_cleanup_event(const PgCluster& cluster) {
    return cluster.psql(1,
                        "SELECT coalesce((SELECT node_id || '|' || successful || '|' || details"
                        " FROM repmgr.events WHERE event = 'cluster_cleanup'"
                        " ORDER BY event_timestamp DESC LIMIT 1), 'none')");
}

std::string event_count(const PgCluster& cluster) {
    return cluster.psql(1, "SELECT count(*) FROM repmgr.events WHERE event = 'cluster_cleanup'");
}

}  // namespace

TEST_CASE("cluster cleanup deletes what repmgr's deletes and records the same event",
          "[cli][cluster][cleanup]") {
    RepmgrCluster rc(3);
    const std::vector<std::vector<std::string>> cases = {
        {"cluster", "cleanup", "-k", "5", "--node-id=2"},
        {"cluster", "cleanup", "--keep-history=2"},
        {"cluster", "cleanup", "--node-id", "3"},
        {"cluster", "cleanup"},
        {"cluster", "cleanup", "-k", "1"},
    };
    // From a standby too: both find the primary through the metadata.
    for (const int node : {1, 2}) {
        for (const auto& args : cases) {
            fill_history(rc.cluster);
            const auto theirs = rc.repmgr(node, args);
            const std::string their_rows = history(rc.cluster);
            const std::string their_event = last_cleanup_event(rc.cluster);
            fill_history(rc.cluster);
            const auto ours = rc.pgwarden(node, args);
            INFO("node " << node << ": repmgr: " << theirs.command << " exit " << theirs.exit_code
                         << "\n"
                         << theirs.err << "pgwarden: exit " << ours.exit_code << "\n"
                         << ours.err);
            CHECK(ours.exit_code == theirs.exit_code);
            CHECK(ours.out == theirs.out);
            CHECK(ours.err == theirs.err);
            CHECK(history(rc.cluster) == their_rows);
            CHECK(last_cleanup_event(rc.cluster) == their_event);
        }
    }
    CHECK(last_cleanup_event(rc.cluster) ==
          "2|true|monitoring records deleted; records newer than 1 day(s) retained");

    // Nothing old enough: neither deletes nor records anything.
    fill_history(rc.cluster);
    const std::string before = event_count(rc.cluster);
    require_same(rc, 1, {"cluster", "cleanup", "-k", "30"}, Streams::out_and_err);
    CHECK(event_count(rc.cluster) == before);
    CHECK(history(rc.cluster) == "2:10,2:3,2:0,3:10,3:3,3:0");

    // A negative number of days is a command line error for both.
    const auto theirs = rc.repmgr(1, {"cluster", "cleanup", "-k", "-1"});
    const auto ours = rc.pgwarden(1, {"cluster", "cleanup", "-k", "-1"});
    CHECK(ours.exit_code == theirs.exit_code);
    CHECK(ours.err ==
          std::regex_replace(theirs.err, std::regex("repmgr --help"), "pgwarden --help"));
    CHECK(history(rc.cluster) == "2:10,2:3,2:0,3:10,3:3,3:0");
}
