// pgwarden cluster matrix and cluster crosscheck beside the real repmgr 5.3 on the same cluster,
// the other nodes asked over SSH (the loopback sshd): repmgr's remote program is repmgr, ours is
// pgwarden, both found in repmgr_bindir. Same tables, same CSV, same exit codes, with every node
// up and with one stopped.
#include "binaries.hpp"
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"
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

// Every node's repmgr.conf tells ssh to use `sshd`, and the remote command line where both
// programs are, under the names they call themselves.
void prepare(RepmgrCluster& rc, const LoopbackSshd& sshd) {
    const std::string bindir = rc.cluster.dir() + "/bin";
    fs::create_directories(bindir);
    give_to_postgres(bindir);
    fs::create_symlink(kRepmgr, bindir + "/repmgr");
    fs::create_symlink(cli_bin(), bindir + "/pgwarden");
    for (int i = 1; i <= rc.cluster.size(); ++i) {
        std::ofstream(rc.conf(i), std::ios::app)
            << fmt::format("ssh_options='{}'\nrepmgr_bindir='{}'\npg_bindir='{}'\n",
                           sshd.ssh_options(), bindir, PgCluster::kBinDir);
    }
}

const std::vector<std::vector<std::string>> kCommands = {
    {"cluster", "matrix"},
    {"cluster", "matrix", "--csv"},
    {"cluster", "crosscheck"},
    {"cluster", "crosscheck", "--csv"},
};

}  // namespace

TEST_CASE("cluster matrix and crosscheck over SSH say what repmgr says, all nodes up or one down",
          "[cli][cluster][ssh]") {
    LoopbackSshd sshd;
    RepmgrCluster rc(3);
    prepare(rc, sshd);

    for (const auto& args : kCommands) {
        for (const int node : {1, 2}) {
            INFO("node" << node << " all up\nsshd:\n" << sshd.log_tail());
            require_same(rc, node, args, Streams::out_and_err);
        }
    }
    const auto matrix = rc.pgwarden(1, {"cluster", "matrix"});
    CHECK(matrix.exit_code == 0);
    CHECK(matrix.out ==
          " Name  | ID | 1 | 2 | 3\n"
          "-------+----+---+---+---\n"
          " node1 | 1  | * | * | * \n"
          " node2 | 2  | * | * | * \n"
          " node3 | 3  | * | * | * \n");
    const auto csv = rc.pgwarden(2, {"cluster", "crosscheck", "--csv"});
    CHECK(csv.exit_code == 0);
    CHECK(csv.out == "1,1,0\n1,2,0\n1,3,0\n2,1,0\n2,2,0\n2,3,0\n3,1,0\n3,2,0\n3,3,0\n");

    // node3 down: nobody reaches it, and it cannot run the matrix crosscheck asks of it (its
    // error on stderr is each program's own, so only stdout and the exit code are compared).
    rc.cluster.stop(3);
    for (const auto& args : kCommands) {
        INFO("node3 down\nsshd:\n" << sshd.log_tail());
        require_same(rc, 1, args, Streams::out);
    }
    const auto down = rc.pgwarden(1, {"cluster", "matrix"});
    CHECK(down.exit_code == 25);
    CHECK(down.out.find(" node3 | 3  | ? | ? | ? \n") != std::string::npos);
    CHECK(down.out.find(" node1 | 1  | * | * | x \n") != std::string::npos);
    require_same(rc, 1, {"cluster", "matrix"}, Streams::out_and_err);

    const auto theirs = rc.repmgr(1, {"cluster", "crosscheck"});
    const auto ours = rc.pgwarden(1, {"cluster", "crosscheck"});
    INFO(theirs.err << "\n" << ours.err);
    CHECK(ours.exit_code == 25);
    const std::string problems =
        "WARNING: following problems detected:\n  node 3 inaccessible via SSH\n";
    CHECK(theirs.err.find(problems) != std::string::npos);
    CHECK(ours.err.find(problems) != std::string::npos);
}
