// standby clone --copy-external-config-files beside the real repmgr 5.3, over the loopback sshd,
// where repmgr's copy can go wrong: -F over an old data directory (repmgr's trial copy writes
// into it before emptying it), two files of one name (repmgr copies one over the other), and a
// -U user who may not read where the settings come from (-S/--superuser reads them instead).
#include "clone_config_source.hpp"
#include "clone_roles.hpp"
#include "clone_run.hpp"
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"
#include "sshd.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

namespace fs = std::filesystem;

constexpr const char* kOldHba = "# the old data directory's own pg_hba.conf\n";

// A registered primary whose configuration files lie outside its data directory.
struct Source {
    LoopbackSshd sshd;
    PgCluster cluster{1, with_repmgr_library()};
    std::string etc;
    std::string conf;
    std::string extra;  // the contents of etc's files
    std::string hba;
    Source() {
        require_ok(run_repmgr(write_conf(cluster, 1), {"primary", "register"}));
        etc = move_config_out(cluster);
        conf = clone_ssh_conf(sshd.ssh_options());
        extra = file_contents(etc + "/extra.conf");
        hba = file_contents(etc + "/pg_hba.conf");
    }
};

// The data directory run_clone uses for `label` and the program, made beforehand (mode 0700, as
// postgres): repmgr's rsync cannot make it. `old`: it looks like an old, stopped PostgreSQL data
// directory with its own pg_hba.conf.
std::string data_directory(const PgCluster& cluster, const std::string& label, bool repmgr,
                           bool old = false) {
    const std::string dir =
        fmt::format("{}/clone-{}-{}", cluster.dir(), label, repmgr ? "repmgr" : "pgwarden");
    const std::string data_dir = dir + "/data";
    fs::create_directories(data_dir);
    if (old) {
        std::ofstream(data_dir + "/PG_VERSION") << "15\n";
        std::ofstream(data_dir + "/pg_hba.conf") << kOldHba;
        for (const char* file : {"/PG_VERSION", "/pg_hba.conf"})
            give_to_postgres(data_dir + file);
    }
    fs::permissions(data_dir, fs::perms::owner_all);
    give_to_postgres(dir);
    give_to_postgres(data_dir);
    return data_dir;
}

}  // namespace

TEST_CASE(
    "standby clone -F --copy-external-config-files=pgdata leaves an old data directory whole "
    "until the backup replaces it",
    "[cli][standby][ssh]") {
    Source source;
    auto& cluster = source.cluster;

    // A registered upstream that does not answer: pgwarden stops when it goes to create the slot
    // there, after the files were fetched and before the old directory is emptied. The copy it
    // made beforehand must not have touched the old directory.
    cluster.psql(1,
                 "INSERT INTO repmgr.nodes (node_id, upstream_node_id, active, node_name, type, "
                 "location, priority, conninfo, repluser, slot_name, config_file) VALUES (3, 1, "
                 "true, 'node3', 'standby', 'default', 100, 'host=127.0.0.1 port=1 user=postgres "
                 "dbname=postgres connect_timeout=2', 'postgres', 'repmgr_slot_3', "
                 "'/nonexistent/repmgr.conf')");
    {
        const auto data_dir = data_directory(cluster, "stopped", false, true);
        const auto stopped =
            run_clone(cluster, false, "stopped",
                      {"-F", "--copy-external-config-files=pgdata", "--upstream-node-id=3"},
                      source.conf + "use_replication_slots=true\n");
        INFO(stopped.describe());
        CHECK(stopped.result.exit_code == 6);
        CHECK(file_contents(data_dir + "/pg_hba.conf") == kOldHba);
        CHECK_FALSE(fs::exists(data_dir + "/extra.conf"));
        CHECK(file_contents(data_dir + "/PG_VERSION") == "15\n");
    }

    // Carried through, both leave the source's files in place of the old ones, as they are once
    // the backup is done: pg_basebackup here is a wrapper that changes extra.conf first.
    const std::string bindir = cluster.dir() + "/bin-changing-extra";
    fs::create_directories(bindir);
    for (const auto& program : fs::directory_iterator(PgCluster::kBinDir)) {
        if (program.path().filename() != "pg_basebackup")
            fs::create_symlink(program.path(), fs::path(bindir) / program.path().filename());
    }
    std::ofstream(bindir + "/pg_basebackup") << fmt::format(
        "#!/bin/sh\necho '# changed during the backup' >> '{}/extra.conf'\nexec {} \"$@\"\n",
        source.etc, PgCluster::pg_bin("pg_basebackup"));
    fs::permissions(bindir + "/pg_basebackup", fs::perms::owner_all | fs::perms::group_read |
                                                   fs::perms::group_exec | fs::perms::others_read |
                                                   fs::perms::others_exec);
    for (const bool repmgr : {true, false}) {
        const auto data_dir = data_directory(cluster, "replaced", repmgr, true);
        const auto clone =
            run_clone(cluster, repmgr, "replaced", {"-F", "--copy-external-config-files=pgdata"},
                      source.conf + fmt::format("pg_bindir='{}'\n", bindir));
        INFO(clone.describe());
        REQUIRE(clone.result.exit_code == 0);
        const auto extra_now = file_contents(source.etc + "/extra.conf");
        CHECK(extra_now.find("# changed during the backup\n") != std::string::npos);
        CHECK(file_contents(data_dir + "/extra.conf") == extra_now);
        CHECK(file_contents(data_dir + "/pg_hba.conf") == source.hba);
        CHECK(file_mode(data_dir + "/extra.conf") == 0640);
        CHECK(fs::exists(data_dir + "/standby.signal"));
    }
}

TEST_CASE("standby clone --copy-external-config-files=pgdata refuses two files of one name",
          "[cli][standby][ssh]") {
    Source source;
    auto& cluster = source.cluster;
    // A second include file named extra.conf, in another directory.
    const std::string other = source.etc + "/other";
    fs::create_directories(other);
    std::ofstream(other + "/extra.conf") << "maintenance_work_mem = '77MB'\n";
    give_to_postgres(other);
    give_to_postgres(other + "/extra.conf");
    std::ofstream(cluster.node(1).data_dir + "/postgresql.conf", std::ios::app)
        << fmt::format("include '{}/extra.conf'\n", other);
    cluster.restart(1);
    REQUIRE(cluster.psql(1, "SHOW maintenance_work_mem") == "77MB");

    // repmgr copies both to data/extra.conf, the second (in pg_settings' order) over the first.
    for (const bool repmgr : {true, false})
        data_directory(cluster, "same-name", repmgr);
    const auto theirs =
        run_clone(cluster, true, "same-name", {"--copy-external-config-files=pgdata"}, source.conf);
    INFO(theirs.describe());
    CHECK(theirs.result.exit_code == 0);
    CHECK(file_contents(theirs.data_dir + "/extra.conf") == file_contents(other + "/extra.conf"));

    // pgwarden refuses before it copies anything, naming both.
    const auto ours = run_clone(cluster, false, "same-name",
                                {"--copy-external-config-files=pgdata"}, source.conf);
    INFO(ours.describe());
    CHECK(ours.result.exit_code == 1);
    CHECK(ours.result.err.find(fmt::format("ERROR: external configuration files \"{0}/extra.conf\" "
                                           "and \"{0}/other/extra.conf\" have the same file name",
                                           source.etc)) != std::string::npos);
    CHECK_FALSE(fs::exists(ours.data_dir + "/PG_VERSION"));
    CHECK_FALSE(fs::exists(ours.data_dir + "/extra.conf"));
}

TEST_CASE(
    "standby clone --copy-external-config-files reads the file locations as -S/--superuser "
    "when -U may not, as repmgr does",
    "[cli][standby][ssh]") {
    Source source;
    auto& cluster = source.cluster;
    // May clone (REPLICATION), may not read where the settings come from.
    const auto cloner = clone_user(cluster, "cloner", "REPLICATION");
    const std::vector<std::string> pgdata = {"--copy-external-config-files=pgdata"};
    auto with = [&](const std::string& option) {
        auto all = pgdata;
        all.push_back(option);
        return all;
    };

    struct Refused {
        const char* label;
        std::vector<std::string> options;
        std::string message;
    };
    const std::vector<Refused> refused = {
        {"no-superuser", pgdata,
         "ERROR: --copy-external-config-files requires a user with permission to read the data "
         "directory on the source node\nHINT: the repmgr user must be superuser or member of role "
         "\"pg_monitor\" or \"pg_read_all_settings\", or a superuser provided with "
         "-S/--superuser\n"},
        {"not-superuser", with("--superuser=cloner"), "ERROR: \"cloner\" is not a superuser\n"},
        {"no-such-role", with("--superuser=nosuchrole"),
         "ERROR: unable to establish superuser connection as \"nosuchrole\"\n"},
    };
    for (const auto& r : refused) {
        for (const bool repmgr : {true, false}) {
            INFO(r.label << (repmgr ? " repmgr" : " pgwarden"));
            const auto clone =
                run_clone(cluster, repmgr, r.label, r.options, source.conf, 1, cloner);
            INFO(clone.describe());
            CHECK(clone.result.exit_code == 1);
            CHECK(clone.result.err.find(r.message) != std::string::npos);
            CHECK_FALSE(fs::exists(clone.data_dir + "/PG_VERSION"));
        }
    }

    // With a superuser for -S, the files outside the data directory are found and copied.
    for (const bool repmgr : {true, false}) {
        data_directory(cluster, "superuser", repmgr);
        const auto clone = run_clone(cluster, repmgr, "superuser", with("--superuser=postgres"),
                                     source.conf, 1, cloner);
        INFO(clone.describe());
        REQUIRE(clone.result.exit_code == 0);
        CHECK(file_contents(clone.data_dir + "/extra.conf") == source.extra);
        CHECK(fs::exists(clone.data_dir + "/standby.signal"));
    }
}
