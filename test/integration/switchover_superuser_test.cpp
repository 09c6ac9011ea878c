// standby switchover's -S/--superuser beside the real repmgr 5.3 on the same cluster: the
// superuser session is checked before anything else (a user that cannot connect, one that is no
// superuser, one that is), and without it a repmgr user that is no superuser is warned about.
// Both stop later for want of SSH; only what they say about the superuser is compared there.
// Over the loopback sshd, the same user is checked on the old primary (pgwarden only).
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
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

// The stderr lines that speak of the superuser, in their order.
std::string superuser_lines(const std::string& err) {
    std::istringstream in(err);
    std::string lines;
    for (std::string line; std::getline(in, line);) {
        if (line.find("superuser") != std::string::npos)
            lines += line + "\n";
    }
    return lines;
}

struct Compared {
    CommandResult theirs;
    CommandResult ours;
};

Compared compare(const std::string& conf, const std::vector<std::string>& args) {
    Compared both{run_repmgr(conf, args), run_pgwarden(conf, args)};
    INFO("repmgr: " << both.theirs.describe() << "\n" << both.theirs.err);
    INFO("pgwarden: " << both.ours.describe() << "\n" << both.ours.err);
    CHECK(superuser_lines(both.ours.err) == superuser_lines(both.theirs.err));
    CHECK_FALSE(superuser_lines(both.theirs.err).empty());
    return both;
}

}  // namespace

TEST_CASE("standby switchover checks -S's superuser first and warns without one, as repmgr",
          "[switchover][superuser]") {
    RepmgrCluster rc(2);
    // A repmgr user that may read the metadata but is no superuser.
    const std::string conf = write_conf_as_reader(rc.cluster, 2, "checker");
    rc.cluster.wait_streaming(2, 1);
    const std::vector<std::string> dry = {"standby", "switchover", "--dry-run"};
    auto with = [&](const std::string& option) {
        auto args = dry;
        args.push_back(option);
        return args;
    };

    // A user that cannot connect, and one that is no superuser: refused, exit 1.
    for (const auto& option : {"--superuser=no_such_user", "--superuser=checker"}) {
        const auto both = compare(rc.conf(2), with(option));
        CHECK(both.ours.exit_code == 1);
        CHECK(both.theirs.exit_code == 1);
    }
    // A superuser: both say it was validated, then go on.
    compare(rc.conf(2), with("-Spostgres"));

    // The repmgr user is no superuser: without -S both warn; with it neither does.
    const auto warned = compare(conf, dry);
    CHECK(warned.ours.err.find("WARNING: no superuser connection available\n"
                               "DETAIL: it is recommended to perform switchover operations with "
                               "a database superuser\n"
                               "HINT: provide the name of a superuser with -S/--superuser\n") !=
          std::string::npos);
    const auto given = compare(conf, with("--superuser=postgres"));
    CHECK(given.ours.err.find("no superuser connection available") == std::string::npos);
}

TEST_CASE("standby switchover checks -S's superuser on the old primary over SSH first",
          "[switchover][superuser][ssh]") {
    LoopbackSshd sshd;
    RepmgrCluster rc(2);
    const std::string bindir = rc.cluster.dir() + "/bin";
    std::filesystem::create_directories(bindir);
    give_to_postgres(bindir);
    std::filesystem::create_symlink(cli_bin(), bindir + "/pgwarden");
    std::ofstream(rc.conf(2), std::ios::app)
        << fmt::format("ssh_options='{}'\nrepmgr_bindir='{}'\n", sshd.ssh_options(), bindir);
    const std::vector<std::string> dry = {"standby", "switchover", "--dry-run", "-S", "postgres"};

    const auto reached = rc.pgwarden(2, dry);
    INFO(reached.describe() << "\n" << reached.err << "\nsshd:\n" << sshd.log_tail());
    CHECK(reached.exit_code == 0);
    CHECK(reached.err.find("prerequisites for executing STANDBY SWITCHOVER are met") !=
          std::string::npos);

    // node1's repmgr.conf names a port nothing listens on: `node check --db-connection
    // --superuser=postgres` there fails, and the switchover stops before anything changes.
    std::string text;
    {
        std::ifstream in(rc.conf(1));
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const std::string port = fmt::format("port={}", rc.cluster.node(1).port);
    const auto at = text.find(port);
    REQUIRE(at != std::string::npos);
    std::ofstream(rc.conf(1)) << text.replace(at, port.size(), "port=1");
    const auto refused = rc.pgwarden(2, dry);
    INFO(refused.describe() << "\n" << refused.err);
    CHECK(refused.exit_code == 6);
    CHECK(refused.err.find("ERROR: unable to connect locally as superuser \"postgres\" on node "
                           "\"node1\" (ID: 1)\nHINT: diagnose with:\n  ssh ") != std::string::npos);
    CHECK(refused.err.find("node check --db-connection --superuser=postgres") != std::string::npos);
    CHECK_FALSE(rc.cluster.is_in_recovery(1));
}
