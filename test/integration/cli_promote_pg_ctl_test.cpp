// standby promote where the repmgr user may not call pg_promote() (a non-superuser without
// EXECUTE on it): repmgr 5.3 falls back to pg_ctl promote, and so does pgwarden, with the same
// DETAIL line, on real PostgreSQL 15 beside the real repmgr.
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"
#include "run_command.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

using namespace pgwarden::test;

namespace {

// The "promoting server ... using ..." line, with this cluster's directory replaced.
std::string promote_detail(const std::string& err, const std::string& dir) {
    const auto at = err.find("promoting server \"node2\"");
    if (at == std::string::npos)
        return "";
    std::string line = err.substr(at, err.find('\n', at) - at);
    for (auto found = line.find(dir); found != std::string::npos; found = line.find(dir))
        line.replace(found, dir.size(), "<dir>");
    return line;
}

// node2 promoted by `program` ("repmgr" or "pgwarden") connecting as a role that may not call
// pg_promote(); returns the DETAIL line.
std::string promote_without_pg_promote(const std::string& program) {
    RepmgrCluster rc(2);
    auto& cluster = rc.cluster;
    cluster.psql(1, "CREATE ROLE promoter LOGIN");
    for (const char* grant : {"GRANT USAGE ON SCHEMA repmgr TO promoter",
                              "GRANT ALL ON ALL TABLES IN SCHEMA repmgr TO promoter",
                              "GRANT ALL ON ALL SEQUENCES IN SCHEMA repmgr TO promoter",
                              "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA repmgr TO promoter"})
        cluster.psql(1, grant);
    cluster.wait_caught_up(2, 1);
    REQUIRE(cluster.psql(2,
                         "SELECT has_function_privilege('promoter', "
                         "'pg_catalog.pg_promote(boolean, integer)', 'EXECUTE')") == "f");
    // libpq takes the last "user=": the node's own conninfo, as promoter.
    const std::string conf = cluster.node(2).node_dir + "/promoter.conf";
    {
        std::ifstream in(rc.conf(2));
        std::ofstream out(conf);
        out << in.rdbuf()
            << fmt::format("conninfo='{} user=promoter'\n", cluster.node(2).conninfo());
    }
    give_to_postgres(conf);
    cluster.stop(1);
    const auto result = program == "repmgr" ? run_repmgr(conf, {"standby", "promote"})
                                            : run_pgwarden(conf, {"standby", "promote"});
    INFO(program << " exit " << result.exit_code << "\n" << result.out << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.err.find("STANDBY PROMOTE successful") != std::string::npos);
    CHECK_FALSE(cluster.is_in_recovery(2));
    return promote_detail(result.err, cluster.dir());
}

}  // namespace

TEST_CASE(
    "standby promote falls back to pg_ctl promote where pg_promote() is not permitted, "
    "as repmgr",
    "[cli][standby]") {
    const auto ours = promote_without_pg_promote("pgwarden");
    const auto theirs = promote_without_pg_promote("repmgr");
    CHECK(ours.find(" promote\"") != std::string::npos);
    CHECK(ours.find("pg_ctl") != std::string::npos);
    CHECK(ours == theirs);
}
