// standby clone's copy beside the real repmgr 5.3: repmgr.conf's tablespace_mapping (pg_basebackup
// -T), --verify-backup (pg_verifybackup on the clone) and Barman mode, each program cloning the
// same primary into a directory of its own; same exit codes, same key messages, and tablespaces
// where the mapping puts them.
#include "clone_run.hpp"
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

namespace fs = std::filesystem;

// A registered primary, the only node, for clones of node1.
struct Primary {
    PgCluster cluster{1, with_repmgr_library()};
    Primary() { require_ok(run_repmgr(write_conf(cluster, 1), {"primary", "register"})); }
};

// A directory for a tablespace (or a mapping's target), owned by postgres.
std::string tablespace_dir(const PgCluster& cluster, const std::string& name) {
    const std::string dir = cluster.dir() + "/" + name;
    fs::create_directories(dir);
    give_to_postgres(dir);
    return dir;
}

// Where the clone's tablespace `oid` is: the target of pg_tblspc/<oid>.
std::string tablespace_link(const Clone& clone, const std::string& oid) {
    std::error_code ec;
    return fs::read_symlink(clone.data_dir + "/pg_tblspc/" + oid, ec).string();
}

}  // namespace

TEST_CASE("standby clone maps each tablespace_mapping of repmgr.conf as repmgr does",
          "[cli][standby][tablespace]") {
    Primary primary;
    auto& cluster = primary.cluster;
    const std::string location = tablespace_dir(cluster, "ts-primary");
    cluster.psql(1, fmt::format("CREATE TABLESPACE ts1 LOCATION '{}'", location));
    cluster.psql(1, "CREATE TABLE in_ts1 (n int) TABLESPACE ts1; INSERT INTO in_ts1 VALUES (1)");
    const std::string oid = cluster.psql(1, "SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");

    // Without a mapping pg_basebackup writes the tablespace to the primary's own, non-empty
    // directory on this host and fails: both say so with ERR_BAD_BASEBACKUP.
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone(cluster, repmgr, "unmapped", {}, "");
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 14);
    }

    // Mapped, each clone's tablespace is in the mapping's new directory (a trailing '/' in it is
    // dropped by both), with the table's files.
    for (const bool repmgr : {true, false}) {
        const std::string target =
            tablespace_dir(cluster, fmt::format("ts-mapped-{}", repmgr ? "repmgr" : "pgwarden"));
        const auto clone =
            run_clone(cluster, repmgr, "mapped", {},
                      fmt::format("tablespace_mapping='{}={}/'\n", location, target));
        INFO(clone.describe());
        REQUIRE(clone.result.exit_code == 0);
        CHECK(tablespace_link(clone, oid) == target);
        CHECK_FALSE(fs::is_empty(target));
        CHECK(clone.result.err.find("standby clone (using pg_basebackup) complete") !=
              std::string::npos);
    }

    // A mapping whose old directory is no tablespace of the source stops both before the copy.
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone(
            cluster, repmgr, "unknown", {},
            fmt::format("tablespace_mapping='{}={}'\ntablespace_mapping='/no/such/ts=/tmp/x'\n",
                        location, tablespace_dir(cluster, "ts-unknown")));
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 1);
        CHECK(clone.result.err.find("ERROR: 1 of 2 mapped tablespaces not found\n") !=
              std::string::npos);
        CHECK(clone.result.err.find("  /no/such/ts\n") != std::string::npos);
        CHECK_FALSE(fs::exists(clone.data_dir + "/PG_VERSION"));
    }
}

TEST_CASE("standby clone passes a tablespace directory with '=' to pg_basebackup escaped",
          "[cli][standby][tablespace]") {
    // repmgr.conf writes '=' inside a directory as "\="; repmgr 5.3 then hands the bare '=' to
    // pg_basebackup, which reads a second '=' and refuses. pgwarden escapes it again.
    Primary primary;
    auto& cluster = primary.cluster;
    const std::string location = tablespace_dir(cluster, "ts=old");
    cluster.psql(1, fmt::format("CREATE TABLESPACE ts_eq LOCATION '{}'", location));
    const std::string oid =
        cluster.psql(1, "SELECT oid FROM pg_tablespace WHERE spcname = 'ts_eq'");
    const std::string target = tablespace_dir(cluster, "ts=new");
    const auto escape = [](std::string dir) { return dir.replace(dir.rfind('='), 1, "\\\\="); };
    const auto clone =
        run_clone(cluster, false, "equals", {},
                  fmt::format("tablespace_mapping='{}={}'\n", escape(location), escape(target)));
    INFO(clone.describe());
    REQUIRE(clone.result.exit_code == 0);
    CHECK(tablespace_link(clone, oid) == target);
}

namespace {

// A pg_bindir for a clone: the real programs, but pg_verifybackup replaced by `script` (none when
// empty), so that verification fails the way it is told to.
std::string bindir_with_verifybackup(const PgCluster& cluster, const std::string& name,
                                     const std::string& script) {
    const std::string dir = cluster.dir() + "/" + name;
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(PgCluster::kBinDir)) {
        if (entry.path().filename() != "pg_verifybackup")
            fs::create_symlink(entry.path(), dir + "/" + entry.path().filename().string());
    }
    if (!script.empty()) {
        const std::string program = dir + "/pg_verifybackup";
        std::ofstream(program) << "#!/bin/sh\n" << script << "\n";
        fs::permissions(program, fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    }
    give_to_postgres(dir);
    return dir;
}

}  // namespace

TEST_CASE("standby clone --verify-backup verifies the copy with pg_verifybackup as repmgr does",
          "[cli][standby][verify]") {
    Primary primary;
    auto& cluster = primary.cluster;

    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone(cluster, repmgr, "verified", {"--verify-backup"}, "");
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 0);
        CHECK(fs::exists(clone.data_dir + "/backup_manifest"));
        CHECK(fs::exists(clone.data_dir + "/standby.signal"));
    }

    struct Failing {
        const char* label;
        std::string conf;
        int exit_code;
        const char* message;
        bool pgwarden_copies;  // whether pgwarden gets as far as the backup
    };
    const std::vector<Failing> failing = {
        // pg_basebackup told not to write a manifest: nothing to verify against.
        {"no-manifest", "pg_basebackup_options='--no-manifest'\n", 14,
         "ERROR: unable to verify backup\n", true},
        // pg_verifybackup finds the copy damaged.
        {"damaged",
         fmt::format("pg_bindir='{}'\n",
                     bindir_with_verifybackup(cluster, "bin-damaged",
                                              "echo 'pg_verifybackup: error: checksum "
                                              "mismatch for file \"base/1/1259\"' >&2; exit 1")),
         14, "ERROR: unable to verify backup\n", true},
        // No pg_verifybackup where pg_bindir says the programs are.
        {"missing",
         fmt::format("pg_bindir='{}'\n", bindir_with_verifybackup(cluster, "bin-missing", "")), 1,
         "ERROR: unable to find expected binary \"", false},
    };
    for (const auto& f : failing) {
        for (const bool repmgr : {true, false}) {
            INFO(f.label << (repmgr ? " repmgr" : " pgwarden"));
            const auto clone = run_clone(cluster, repmgr, f.label, {"--verify-backup"}, f.conf);
            INFO(clone.describe());
            CHECK(clone.result.exit_code == f.exit_code);
            CHECK(clone.result.err.find(f.message) != std::string::npos);
            // The replication settings are never written into a copy that did not verify.
            CHECK_FALSE(fs::exists(clone.data_dir + "/standby.signal"));
            // repmgr looks for pg_verifybackup after the whole backup; pgwarden before it.
            CHECK(fs::exists(clone.data_dir + "/PG_VERSION") == (repmgr || f.pgwarden_copies));
        }
    }
}

TEST_CASE("standby clone refuses Barman mode by its repmgr.conf key and takes --without-barman",
          "[cli][standby][barman]") {
    Primary primary;
    auto& cluster = primary.cluster;
    const std::string barman = "barman_host='backup.invalid'\nbarman_server='main'\n";

    // repmgr would ask the Barman host for the backup; pgwarden, which has no Barman mode, says
    // so by the key that asks for it, before it connects or copies anything.
    const auto refused = run_clone(cluster, false, "barman", {}, barman);
    INFO(refused.describe());
    CHECK(refused.result.exit_code == 1);
    // First repmgr's warning about what only pg_basebackup reads (the clone's -c), as repmgr's.
    CHECK(refused.result.err.rfind("WARNING: following problems with command line parameters "
                                   "detected:\n"
                                   "  -c/--fast-checkpoint has no effect in Barman mode\n"
                                   "ERROR: cloning from Barman (\"barman_host\" is set in "
                                   "repmgr.conf) is not supported by pgwarden standby clone\n"
                                   "HINT: use --without-barman",
                                   0) == 0);
    CHECK_FALSE(fs::exists(refused.data_dir));

    // --without-barman: both clone with pg_basebackup, and both warn that a config_directory
    // without --copy-external-config-files leaves the files there behind.
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone(cluster, repmgr, "without-barman", {"--without-barman"},
                                     barman + "config_directory='/etc/postgresql/15/main'\n");
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 0);
        CHECK(fs::exists(clone.data_dir + "/standby.signal"));
        CHECK(clone.result.err.find("\"config_directory\" set in repmgr.conf, but "
                                    "--copy-external-config-files not provided") !=
              std::string::npos);
    }
}
