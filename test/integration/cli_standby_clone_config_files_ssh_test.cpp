// standby clone --copy-external-config-files beside the real repmgr 5.3, over the loopback sshd:
// a primary that reads an include file and its pg_hba.conf from outside its data directory (as
// Debian's /etc/postgresql/15/main/), cloned by each program with the files copied to the same
// path or into the clone's data directory. repmgr copies with rsync (told here to use the same
// ssh options), pgwarden with ssh; the files they leave must be the same.
#include "clone_config_source.hpp"
#include "clone_run.hpp"
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"
#include "sshd.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

namespace fs = std::filesystem;

}  // namespace

TEST_CASE("standby clone --copy-external-config-files copies what repmgr copies, where it does",
          "[cli][standby][ssh]") {
    LoopbackSshd sshd;
    PgCluster cluster(1, with_repmgr_library());
    require_ok(run_repmgr(write_conf(cluster, 1), {"primary", "register"}));
    const std::string etc = move_config_out(cluster);
    const std::string conf = clone_ssh_conf(sshd.ssh_options());
    const std::string extra = file_contents(etc + "/extra.conf");
    const std::string hba = file_contents(etc + "/pg_hba.conf");

    // pgdata: the files land in the clone's data directory under their own names, with their
    // mode; the data directory's own postgresql.conf (pg_basebackup's copy) stays. The data
    // directory exists, empty (repmgr's rsync cannot make it: see below).
    for (const bool repmgr : {true, false}) {
        const std::string data_dir =
            fmt::format("{}/clone-pgdata-{}/data", cluster.dir(), repmgr ? "repmgr" : "pgwarden");
        fs::create_directories(data_dir);
        fs::permissions(data_dir, fs::perms::owner_all);
        give_to_postgres(data_dir);
        const auto clone =
            run_clone(cluster, repmgr, "pgdata", {"--copy-external-config-files=pgdata"}, conf);
        INFO(clone.describe() << "\nsshd:\n" << sshd.log_tail());
        REQUIRE(clone.result.exit_code == 0);
        CHECK(file_contents(clone.data_dir + "/extra.conf") == extra);
        CHECK(file_contents(clone.data_dir + "/pg_hba.conf") == hba);
        CHECK(file_mode(clone.data_dir + "/extra.conf") == 0640);
        CHECK(file_contents(clone.data_dir + "/postgresql.conf").find("include '" + etc) !=
              std::string::npos);
        CHECK(
            clone.result.err.find("NOTICE: copying external configuration files from upstream node "
                                  "\"127.0.0.1\"\n") != std::string::npos);
        CHECK(fs::exists(clone.data_dir + "/standby.signal"));
    }

    // Into a data directory that does not exist yet, repmgr's rsync fails (it makes no parent
    // directory: ERR_BAD_RSYNC before the backup); pgwarden keeps the files aside until
    // pg_basebackup has made the data directory (mode 0700, or the server will not start in it).
    {
        const auto theirs =
            run_clone(cluster, true, "pgdata-new", {"--copy-external-config-files=pgdata"}, conf);
        INFO(theirs.describe());
        CHECK(theirs.result.exit_code == 2);
        CHECK(theirs.result.err.find("ERROR: standby clone: unable to copy config file "
                                     "\"extra.conf\"\n") != std::string::npos);
        const auto ours =
            run_clone(cluster, false, "pgdata-new", {"--copy-external-config-files=pgdata"}, conf);
        INFO(ours.describe());
        REQUIRE(ours.result.exit_code == 0);
        CHECK(file_contents(ours.data_dir + "/pg_hba.conf") == hba);
        CHECK(file_mode(ours.data_dir) == 0700);
    }

    // samepath (the default): the same path on this host, which on the loopback is the file
    // itself; copying it onto itself must leave it whole.
    for (const bool repmgr : {true, false}) {
        const auto clone =
            run_clone(cluster, repmgr, "samepath", {"--copy-external-config-files"}, conf);
        INFO(clone.describe() << "\nsshd:\n" << sshd.log_tail());
        REQUIRE(clone.result.exit_code == 0);
        CHECK(file_contents(etc + "/extra.conf") == extra);
        CHECK(file_contents(etc + "/pg_hba.conf") == hba);
        CHECK(file_mode(etc + "/pg_hba.conf") == 0640);
        CHECK_FALSE(fs::exists(clone.data_dir + "/extra.conf"));
    }

    // --dry-run checks SSH and says so, and leaves no data directory behind.
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone(cluster, repmgr, "dry-run",
                                     {"--copy-external-config-files=pgdata", "--dry-run"}, conf);
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 0);
        CHECK(clone.result.err.find("NOTICE: external configuration files detected, checking SSH "
                                    "connection to host \"127.0.0.1\"\n") != std::string::npos);
        CHECK_FALSE(fs::exists(clone.data_dir + "/PG_VERSION"));
        CHECK_FALSE(fs::exists(clone.data_dir + "/extra.conf"));
    }

    // SSH that does not log in stops both before the backup.
    const std::string refused_conf = clone_ssh_conf(sshd.ssh_options_with(sshd.unauthorized_key()));
    for (const bool repmgr : {true, false}) {
        const auto clone =
            run_clone(cluster, repmgr, "no-ssh", {"--copy-external-config-files"}, refused_conf);
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 1);
        CHECK(clone.result.err.find("ERROR: remote host \"127.0.0.1\" is not reachable via SSH - "
                                    "unable to copy external configuration files\n") !=
              std::string::npos);
        CHECK_FALSE(fs::exists(clone.data_dir + "/PG_VERSION"));
    }
}

TEST_CASE("standby clone --copy-external-config-files without them needs no SSH",
          "[cli][standby][ssh]") {
    // Every configuration file inside the data directory: pg_basebackup has them all, and
    // neither program tries SSH (ssh_options here could reach nothing).
    PgCluster cluster(1, with_repmgr_library());
    require_ok(run_repmgr(write_conf(cluster, 1), {"primary", "register"}));
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone(cluster, repmgr, "inside", {"--copy-external-config-files"},
                                     "ssh_options='-p 1 -o ConnectTimeout=1'\n");
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 0);
        CHECK(clone.result.err.find("external configuration files detected") == std::string::npos);
        CHECK(fs::exists(clone.data_dir + "/standby.signal"));
    }
}
