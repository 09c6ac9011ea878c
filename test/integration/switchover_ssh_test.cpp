// standby switchover over SSH, where no pgwardend runs on the primary (the loopback sshd): pgwarden
// stops the old primary and rejoins it with its own node commands on the remote side, as repmgr
// does; then the real repmgr 5.3 switches back on the metadata pgwarden left, over the same SSH.
#include "binaries.hpp"
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"
#include "sshd.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

std::string pg_ctl_line(const PgNode& node, const std::string& action) {
    return fmt::format("{} -D {} -o \"-p {}\" -l {} -w -t 30 {}", PgCluster::pg_bin("pg_ctl"),
                       node.data_dir, node.port, node.log_file, action);
}

// Every node's repmgr.conf: ssh through the loopback sshd, both programs under their own names in
// repmgr_bindir, and the servers started and stopped the way the harness does (the port is not in
// the data directory).
void prepare(RepmgrCluster& rc, const LoopbackSshd& sshd) {
    const std::string bindir = rc.cluster.dir() + "/bin";
    fs::create_directories(bindir);
    give_to_postgres(bindir);
    fs::create_symlink(cli_bin(), bindir + "/pgwarden");
    fs::create_symlink(kRepmgr, bindir + "/repmgr");
    for (int i = 1; i <= rc.cluster.size(); ++i) {
        const auto& node = rc.cluster.node(i);
        std::ofstream(rc.conf(i), std::ios::app) << fmt::format(
            "ssh_options='{}'\nrepmgr_bindir='{}'\npg_bindir='{}'\nshutdown_check_timeout=30\n"
            "standby_reconnect_timeout=30\nnode_rejoin_timeout=30\n"
            "service_start_command='{}'\nservice_stop_command='{}'\n",
            sshd.ssh_options(), bindir, PgCluster::kBinDir, pg_ctl_line(node, "start"),
            pg_ctl_line(node, "-m fast stop"));
    }
}

bool streams_from(const PgCluster& cluster, int standby, int upstream) {
    try {
        const_cast<PgCluster&>(cluster).wait_streaming(standby, upstream, 60s);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

TEST_CASE("standby switchover over SSH without pgwardend, and the real repmgr switches back",
          "[switchover][ssh]") {
    LoopbackSshd sshd;
    RepmgrCluster rc(3);
    prepare(rc, sshd);
    rc.cluster.psql(1, "CREATE TABLE ssh_rows AS SELECT generate_series(1, 50) AS id");
    rc.cluster.wait_caught_up(2, 1);

    // A remote host whose repmgr_bindir holds no pgwarden: the superuser check there never ran,
    // which is not a failed superuser login.
    const std::string no_pgwarden = rc.cluster.dir() + "/bin-without-pgwarden";
    fs::create_directories(no_pgwarden);
    const std::string elsewhere = rc.conf(2) + ".elsewhere";
    fs::copy_file(rc.conf(2), elsewhere);
    std::ofstream(elsewhere, std::ios::app) << fmt::format("repmgr_bindir='{}'\n", no_pgwarden);
    give_to_postgres(elsewhere);
    const auto missing =
        run_pgwarden(elsewhere, {"standby", "switchover", "--dry-run", "--superuser=postgres"});
    INFO(missing.out << missing.err);
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("unable to execute \"pgwarden node check --db-connection\"") !=
          std::string::npos);
    CHECK(missing.err.find(no_pgwarden + "/pgwarden") != std::string::npos);  // the shell's words
    CHECK(missing.err.find("unable to connect locally as superuser") == std::string::npos);

    // -S as repmgr reads it: checked on both nodes, passed to the old primary's stop, and the
    // CHECKPOINT --force-rewind needs on the new primary.
    const auto there =
        rc.pgwarden(2, {"standby", "switchover", "--superuser=postgres", "--force-rewind"});
    INFO(there.out << there.err << "\nsshd:\n" << sshd.log_tail());
    CHECK(there.exit_code == 0);
    CHECK(there.err.find("NOTICE: issuing CHECKPOINT on node \"node2\" (ID: 2) \n") !=
          std::string::npos);
    CHECK(there.err.find("no superuser connection available") == std::string::npos);
    CHECK(there.err.find("SSH connection to host") == std::string::npos);  // said only in dry runs
    CHECK(there.err.find("current primary has been cleanly shut down at location") !=
          std::string::npos);
    CHECK_FALSE(rc.cluster.is_in_recovery(2));
    CHECK(streams_from(rc.cluster, 1, 2));
    CHECK(rc.cluster.psql(2, "SELECT count(*) FROM ssh_rows") == "50");
    CHECK(nodes_table(rc.cluster, 2).find("1|standby|t|2") != std::string::npos);
    CHECK(rc.cluster.psql(2,
                          "SELECT count(*) FROM repmgr.events WHERE event = "
                          "'standby_switchover' AND successful AND node_id = 2") == "1");
    CHECK(rc.cluster.psql(2,
                          "SELECT count(*) FROM repmgr.events WHERE event = 'node_rejoin' "
                          "AND successful AND node_id = 1") == "1");

    // The real repmgr on the metadata pgwarden left: node1 becomes the primary again.
    rc.cluster.wait_caught_up(1, 2);
    const auto back = rc.repmgr(1, {"standby", "switchover"});
    INFO(back.out << back.err);
    CHECK(back.exit_code == 0);
    CHECK_FALSE(rc.cluster.is_in_recovery(1));
    CHECK(streams_from(rc.cluster, 2, 1));
    CHECK(rc.cluster.psql(1, "SELECT count(*) FROM ssh_rows") == "50");
}
