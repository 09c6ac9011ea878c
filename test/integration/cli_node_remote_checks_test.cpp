// The hidden node status / node check options repmgr 5.3's switchover runs on the other node,
// beside the real repmgr on the same cluster: --is-shutdown-cleanly on a running, a cleanly
// stopped and a crashed node, --archive-ready --optformat, --replication-connection, and the
// remote call itself through the loopback sshd.
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
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kShutdownCleanly = {"node", "status", "--is-shutdown-cleanly"};
const std::vector<std::string> kArchiveReady = {"node", "check", "--archive-ready", "--optformat"};

// Both programs' answer on node i, which must be the same; returns it. Where a connection fails,
// only stdout (what the remote caller reads) is compared: repmgr also logs libpq's message.
std::string same_answer(const RepmgrCluster& rc, int i, const std::vector<std::string>& args,
                        Streams streams = Streams::out_and_err) {
    require_same(rc, i, args, streams);
    return rc.pgwarden(i, args).out;
}

// `count` fake .ready files in node i's archive_status (archive_mode is off: nothing takes
// them away); returns their paths.
std::vector<std::string> ready_files(const PgCluster& cluster, int i, int count) {
    std::vector<std::string> paths;
    for (int n = 1; n <= count; ++n) {
        paths.push_back(fmt::format("{}/pg_wal/archive_status/0000000100000000000000{:02X}.ready",
                                    cluster.node(i).data_dir, 0xA0 + n));
        std::ofstream(paths.back()).close();
    }
    return paths;
}

}  // namespace

TEST_CASE(
    "node status --is-shutdown-cleanly reads a running, a stopped and a crashed node as "
    "repmgr does",
    "[cli][node]") {
    RepmgrCluster rc(2);
    CHECK(same_answer(rc, 2, kShutdownCleanly) == "--state=UP\n");
    CHECK(same_answer(rc, 1, kShutdownCleanly) == "--state=UP\n");
    CHECK(rc.pgwarden(1, kShutdownCleanly).exit_code == 0);

    // A clean stop: the checkpoint pg_control names (the shutdown checkpoint) comes with it.
    rc.cluster.stop(2);
    const auto stopped = same_answer(rc, 2, kShutdownCleanly);
    CHECK(stopped.rfind("--state=SHUTDOWN --last-checkpoint-lsn=", 0) == 0);
    rc.cluster.stop(1);
    const auto primary = same_answer(rc, 1, kShutdownCleanly);
    CHECK(primary.rfind("--state=SHUTDOWN --last-checkpoint-lsn=", 0) == 0);
    CHECK(primary != "--state=SHUTDOWN --last-checkpoint-lsn=0/0\n");

    // A crash leaves "in production" in pg_control with nothing answering.
    rc.cluster.start(1);
    rc.cluster.kill9(1);
    CHECK(same_answer(rc, 1, kShutdownCleanly) == "--state=UNCLEAN_SHUTDOWN\n");

    // No data directory at data_directory: nothing to read.
    const std::string conf = write_conf(rc.cluster, 2, "", "nodata.conf");
    std::ofstream(conf, std::ios::app) << "data_directory='" << rc.cluster.dir() << "/nowhere'\n";
    const auto theirs = run_repmgr(conf, kShutdownCleanly);
    const auto ours = run_pgwarden(conf, kShutdownCleanly);
    CHECK(ours.out == "--state=UNKNOWN\n");
    CHECK(ours.out == theirs.out);
    CHECK(ours.exit_code == theirs.exit_code);
}

TEST_CASE(
    "node check --archive-ready --optformat and --replication-connection answer as repmgr "
    "does",
    "[cli][node]") {
    RepmgrCluster rc(3);
    for (int i = 1; i <= 3; ++i)
        std::ofstream(rc.conf(i), std::ios::app)
            << "archive_ready_warning=1\narchive_ready_critical=3\n";

    CHECK(same_answer(rc, 1, kArchiveReady) == "--status=OK --files=0\n");
    CHECK(same_answer(rc, 2, kArchiveReady) == "--status=OK --files=0\n");
    auto files = ready_files(rc.cluster, 2, 2);
    CHECK(same_answer(rc, 2, kArchiveReady) == "--status=WARNING --files=2 --threshold=1\n");
    CHECK(rc.pgwarden(2, kArchiveReady).exit_code == 1);
    const auto more = ready_files(rc.cluster, 2, 4);
    CHECK(same_answer(rc, 2, kArchiveReady) == "--status=CRITICAL --files=4 --threshold=3\n");
    CHECK(rc.pgwarden(2, kArchiveReady).exit_code == 2);
    for (const auto& path : more)
        fs::remove(path);
    // An unreadable archive_status: UNKNOWN, with repmgr's empty details.
    const std::string status_dir = rc.cluster.node(2).data_dir + "/pg_wal/archive_status";
    fs::rename(status_dir, status_dir + ".away");
    CHECK(same_answer(rc, 2, kArchiveReady) == "--status=UNKNOWN \n");
    CHECK(rc.pgwarden(2, kArchiveReady).exit_code == 3);
    fs::rename(status_dir + ".away", status_dir);

    auto connection = [](int id) {
        return std::vector<std::string>{"node", "check", "--replication-connection",
                                        fmt::format("--remote-node-id={}", id)};
    };
    CHECK(same_answer(rc, 2, connection(1)) == "--connection=OK\n");
    CHECK(same_answer(rc, 1, connection(3)) == "--connection=OK\n");
    // repmgr's switchover adds -R when it was given one; it changes nothing here.
    auto with_user = connection(1);
    with_user.push_back("--remote-user=postgres");
    CHECK(same_answer(rc, 3, with_user) == "--connection=OK\n");
    CHECK(same_answer(rc, 2, connection(9)) == "--connection=UNKNOWN\n");
    CHECK(same_answer(rc, 2, {"node", "check", "--replication-connection"}) ==
          "--connection=UNKNOWN\n");
    CHECK(rc.pgwarden(2, connection(9)).exit_code == 0);

    // A node that is down cannot be reached; a local node that is down cannot be asked.
    rc.cluster.stop(3);
    CHECK(same_answer(rc, 2, connection(3), Streams::out) == "--connection=BAD\n");
    rc.cluster.stop(2);
    CHECK(same_answer(rc, 2, connection(1), Streams::out) == "--connection=CONNECTION_ERROR\n");
    CHECK(same_answer(rc, 2, kArchiveReady, Streams::out) == "--error=DB_CONNECTION\n");
    CHECK(rc.pgwarden(2, kArchiveReady).exit_code == 6);
}

TEST_CASE("repmgr's remote call of node status --is-shutdown-cleanly works through ssh",
          "[cli][node][ssh]") {
    LoopbackSshd sshd;
    RepmgrCluster rc(2);
    // The command line repmgr's switchover runs on the demotion candidate (make_remote_repmgr_path
    // plus the action), once with each program.
    auto remote = [&](const std::string& program, const std::vector<std::string>& args) {
        std::string line = program + " -f " + rc.conf(1);
        for (const auto& arg : args)
            line += " " + arg;
        return sshd.ssh("\"" + line + "\"");
    };
    for (const auto& args : {kShutdownCleanly, kArchiveReady}) {
        const auto theirs = remote(kRepmgr, args);
        const auto ours = remote(cli_bin(), args);
        INFO(theirs.describe() << "\n" << ours.describe() << "\nsshd:\n" << sshd.log_tail());
        CHECK(ours.exit_code == theirs.exit_code);
        CHECK(ours.out == theirs.out);
    }
    CHECK(remote(cli_bin(), kShutdownCleanly).out == "--state=UP\n");
    rc.cluster.stop(1);
    const auto stopped = remote(cli_bin(), kShutdownCleanly);
    CHECK(stopped.out.rfind("--state=SHUTDOWN --last-checkpoint-lsn=", 0) == 0);
    CHECK(stopped.out == remote(kRepmgr, kShutdownCleanly).out);
}
