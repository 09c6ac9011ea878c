// standby promote --siblings-follow with the sibling reached over SSH (the loopback sshd), beside
// the real repmgr 5.3: each promotes node2 of its own cluster and has node3 follow it remotely,
// running `<repmgr_bindir>/<program> -f <sibling's config_file> standby follow` through ssh.
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

// The events the promotion and the remote follow recorded, with what differs between two clusters
// (ports, directories) left out: node, event, success, details.
std::string events(const PgCluster& cluster) {
    return cluster.psql(2,
                        "SELECT string_agg(concat_ws('|', node_id, event, successful, details), "
                        "E'\\n' ORDER BY event_timestamp, node_id) FROM repmgr.events "
                        "WHERE event NOT IN ('primary_register', 'standby_register')");
}

// A directory holding `program` under the name the remote command line uses: the harness's
// copy of pgwarden has a versioned name, repmgr's is installed as "repmgr".
std::string bindir_for(const RepmgrCluster& rc, const std::string& name,
                       const std::string& program) {
    const std::string dir = rc.cluster.dir() + "/bin";
    fs::create_directories(dir);
    give_to_postgres(dir);
    fs::create_symlink(program, dir + "/" + name);
    return dir;
}

// `text` as an SQL string literal.
std::string sql_literal(const std::string& text) {
    std::string out = "'";
    for (const char c : text)
        out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

// Three nodes, node1 stopped, every node's repmgr.conf telling ssh to use `sshd` and the
// remote command where to find `program`.
void prepare(RepmgrCluster& rc, const LoopbackSshd& sshd, const std::string& name,
             const std::string& program) {
    const std::string bindir = bindir_for(rc, name, program);
    for (int i = 1; i <= rc.cluster.size(); ++i) {
        std::ofstream(rc.conf(i), std::ios::app) << fmt::format(
            "ssh_options='{}'\nrepmgr_bindir='{}'\npg_bindir='{}'\nstandby_follow_timeout=30\n",
            sshd.ssh_options(), bindir, PgCluster::kBinDir);
    }
    rc.cluster.stop(1);
}

}  // namespace

TEST_CASE("standby promote --siblings-follow has the sibling follow over SSH as repmgr does",
          "[cli][standby][ssh]") {
    const std::vector<std::string> args = {"standby", "promote", "--siblings-follow"};
    LoopbackSshd sshd;

    RepmgrCluster theirs_cluster(3);
    prepare(theirs_cluster, sshd, "repmgr", kRepmgr);
    const auto theirs = theirs_cluster.repmgr(2, args);

    RepmgrCluster ours_cluster(3);
    prepare(ours_cluster, sshd, "pgwarden", cli_bin());
    const auto ours = ours_cluster.pgwarden(2, args);

    INFO("repmgr:\n" << theirs.describe() << "\n" << theirs.err);
    INFO("pgwarden:\n" << ours.describe() << "\n" << ours.err << "\nsshd:\n" << sshd.log_tail());
    REQUIRE(theirs.exit_code == 0);
    CHECK(ours.exit_code == theirs.exit_code);
    CHECK(ours.out == theirs.out);
    for (const char* line :
         {"NOTICE: executing STANDBY FOLLOW on 1 of 1 siblings\n",
          "INFO: STANDBY FOLLOW successfully executed on all reachable sibling nodes\n"}) {
        CHECK(theirs.err.find(line) != std::string::npos);
        CHECK(ours.err.find(line) != std::string::npos);
    }

    // The sibling really follows the new primary, and the metadata says so on both.
    for (auto* rc : {&theirs_cluster, &ours_cluster}) {
        rc->cluster.wait_streaming(3, 2);
        CHECK_FALSE(rc->cluster.is_in_recovery(2));
        CHECK(rc->cluster.is_in_recovery(3));
    }
    CHECK(nodes_table(ours_cluster.cluster, 2) == nodes_table(theirs_cluster.cluster, 2));
    CHECK(nodes_table(ours_cluster.cluster, 2) == "1|primary|f|-,2|primary|t|-,3|standby|t|2");
    ours_cluster.cluster.wait_caught_up(3, 2);
    theirs_cluster.cluster.wait_caught_up(3, 2);
    CHECK(events(ours_cluster.cluster) == events(theirs_cluster.cluster));
    CHECK(events(ours_cluster.cluster).find("3|standby_follow|t|") != std::string::npos);
}

// The sibling's config_file goes to the far side's shell as one word: with a space, a quote and a
// $( ) in its path (which repmgr would split), the sibling still reads its own file and follows.
TEST_CASE(
    "standby promote --siblings-follow reaches a sibling whose config_file path holds a "
    "space and a quote",
    "[cli][standby][ssh]") {
    LoopbackSshd sshd;
    RepmgrCluster rc(3);
    const std::string dir = rc.cluster.dir() + "/it's a dir";
    fs::create_directories(dir);
    give_to_postgres(dir);
    // Split or expanded on the far side, this names a file that does not exist: the follow fails.
    const std::string conf = dir + "/node3 $(id -u).conf";
    rc.cluster.psql(
        1, "UPDATE repmgr.nodes SET config_file = " + sql_literal(conf) + " WHERE node_id = 3");
    rc.cluster.wait_caught_up(2, 1);
    prepare(rc, sshd, "pgwarden", cli_bin());
    fs::copy_file(rc.conf(3), conf);
    give_to_postgres(conf);

    const auto ours = rc.pgwarden(2, {"standby", "promote", "--siblings-follow"});
    INFO("pgwarden:\n" << ours.describe() << "\n" << ours.err << "\nsshd:\n" << sshd.log_tail());
    REQUIRE(ours.exit_code == 0);
    CHECK(ours.err.find("INFO: STANDBY FOLLOW successfully executed on all reachable sibling "
                        "nodes\n") != std::string::npos);
    rc.cluster.wait_streaming(3, 2);
    CHECK(rc.cluster.is_in_recovery(3));
    CHECK(nodes_table(rc.cluster, 2) == "1|primary|f|-,2|primary|t|-,3|standby|t|2");
}

// A witness among the siblings registers again over SSH, with the new primary's conninfo: a value
// of spaces and '=' that must reach the far side's shell as one word.
TEST_CASE("standby promote --siblings-follow re-registers a witness sibling over SSH",
          "[cli][standby][ssh]") {
    LoopbackSshd sshd;
    RepmgrCluster rc(2);
    PgCluster witness_server(1, with_repmgr_library());
    const auto& witness = witness_server.node(1);
    const std::string witness_conf = witness.node_dir + "/repmgr.conf";
    std::ofstream(witness_conf) << fmt::format(
        "node_id=3\nnode_name='witness'\nconninfo='{}'\ndata_directory='{}'\n", witness.conninfo(),
        witness.data_dir);
    give_to_postgres(witness_conf);
    require_ok(
        run_command({cli_bin(), "-f", witness_conf, "witness", "register", "-h", "127.0.0.1", "-p",
                     std::to_string(rc.cluster.node(1).port), "-U", "postgres", "-d", "postgres"},
                    std::chrono::seconds(60), true));
    rc.cluster.wait_caught_up(2, 1);
    prepare(rc, sshd, "pgwarden", cli_bin());

    const auto ours = rc.pgwarden(2, {"standby", "promote", "--siblings-follow"});
    INFO("pgwarden:\n" << ours.describe() << "\n" << ours.err << "\nsshd:\n" << sshd.log_tail());
    REQUIRE(ours.exit_code == 0);
    CHECK(ours.err.find("INFO: STANDBY FOLLOW successfully executed on all reachable sibling "
                        "nodes\n") != std::string::npos);
    const std::string expected = "1|primary|f|-,2|primary|t|-,3|witness|t|2";
    CHECK(nodes_table(rc.cluster, 2) == expected);
    CHECK(nodes_table(witness_server, 1) == expected);  // the witness's own copy
}
