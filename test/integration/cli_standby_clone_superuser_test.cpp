// standby clone's replication slot beside the real repmgr 5.3 when the -U user may not create one
// (no superuser, no REPLICATION): repmgr creates it as -S/--superuser when given, else over a
// replication connection as the upstream record's repluser, and says which (repmgr only with
// --verbose, pgwarden always); so does pgwarden.
#include "clone_roles.hpp"
#include "clone_run.hpp"
#include "pg_cluster.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

namespace fs = std::filesystem;

constexpr const char* kSlots = "use_replication_slots=true\n";
constexpr const char* kSlotQuery =
    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'repmgr_slot_2'";

}  // namespace

TEST_CASE(
    "standby clone creates the slot as -S/--superuser, else as the upstream's repluser, "
    "when -U may not, as repmgr does",
    "[cli][standby]") {
    PgCluster cluster(1, with_repmgr_library());
    require_ok(run_repmgr(write_conf(cluster, 1), {"primary", "register"}));
    const auto cloner = clone_user(cluster, "cloner", "");

    struct Case {
        const char* label;
        std::vector<std::string> options;
        const char* message;
    };
    const std::vector<Case> cases = {
        {"superuser",
         {"--superuser=postgres", "--verbose"},
         "INFO: creating replication slot as superuser \"postgres\"\n"},
        {"repluser",
         {"--verbose"},
         "INFO: managing replication slot as replication user \"postgres\"\n"},
    };
    for (const auto& c : cases) {
        for (const bool repmgr : {true, false}) {
            INFO(c.label << (repmgr ? " repmgr" : " pgwarden"));
            const auto clone = run_clone(cluster, repmgr, c.label, c.options, kSlots, 1, cloner);
            INFO(clone.describe());
            CHECK(clone.result.exit_code == 0);
            CHECK(clone.result.err.find(c.message) != std::string::npos);
            CHECK(fs::exists(clone.data_dir + "/standby.signal"));
            CHECK(cluster.psql(1, kSlotQuery) == "1");
            cluster.psql(1, "SELECT pg_drop_replication_slot('repmgr_slot_2')");
        }
    }

    // --dry-run says who would create it and checks that user can connect.
    for (const bool repmgr : {true, false}) {
        const auto dry = run_clone(cluster, repmgr, "dry-run", {"--dry-run"}, kSlots, 1, cloner);
        INFO(dry.describe());
        CHECK(dry.result.exit_code == 0);
        CHECK(dry.result.err.find("INFO: replication slots will be created by replication user "
                                  "\"postgres\"\n") != std::string::npos);
        CHECK(cluster.psql(1, kSlotQuery) == "0");

        const auto refused = run_clone(cluster, repmgr, "dry-run-refused",
                                       {"--dry-run", "--superuser=nosuchrole"}, kSlots, 1, cloner);
        INFO(refused.describe());
        CHECK(refused.result.exit_code == 1);
        CHECK(refused.result.err.find("ERROR: unable to create superuser connection as user "
                                      "\"nosuchrole\"\n") != std::string::npos);
        CHECK(refused.result.err.find("ERROR: prerequisites not met for creating a replication "
                                      "slot on upstream node 1\n") != std::string::npos);
    }
}
