// repmgr 5.3's machine-readable node check forms and the global options outside its --help,
// beside the real repmgr on the same cluster: --optformat for every check (what its switchover
// reads from the other node), --has-passfile, -S/--superuser, --dump-config, and the getopt
// options it still takes but only warns about.
#include "pg_cluster.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

const std::vector<std::string> kChecks = {
    "--role",     "--replication-lag", "--archive-ready",           "--downstream",
    "--upstream", "--slots",           "--missing-slots",           "--data-directory-config",
    "--repmgrd",  "--db-connection",   "--replication-config-owner"};

std::vector<std::string> check(const std::string& flag, const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"node", "check", flag};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

// Both programs with the same repmgr.conf: stdout and exit code must match (and stderr).
void require_same_conf(const std::string& conf, const std::vector<std::string>& args,
                       Streams streams = Streams::out) {
    const auto theirs = run_repmgr(conf, args);
    const auto ours = run_pgwarden(conf, args);
    INFO("repmgr: exit " << theirs.exit_code << "\n" << theirs.out << theirs.err);
    INFO("pgwarden: exit " << ours.exit_code << "\n" << ours.out << ours.err);
    CHECK(ours.out == theirs.out);
    if (streams == Streams::out_and_err)
        CHECK(ours.err == theirs.err);
    CHECK(ours.exit_code == theirs.exit_code);
}

// repmgr's "following problems with command line parameters detected" block: its header and
// the indented lines under it ("" when there is none).
std::string warning_block(const std::string& err) {
    const auto at = err.find("WARNING: following problems with command line parameters");
    if (at == std::string::npos)
        return "";
    std::istringstream in(err.substr(at));
    std::string line;
    std::getline(in, line);
    std::string block = line + "\n";
    while (std::getline(in, line) && line.rfind("  ", 0) == 0)
        block += line + "\n";
    return block;
}

}  // namespace

TEST_CASE("node check --optformat prints repmgr's --name=VALUE lines for every check",
          "[cli][node][optformat]") {
    RepmgrCluster rc(2);
    for (int i = 1; i <= 2; ++i) {
        for (const auto& flag : kChecks)
            require_same(rc, i, check(flag, {"--optformat"}));
        // The overview: each check's own line, then repmgr's bare header.
        require_same(rc, i, {"node", "check", "--optformat"});
        // What repmgr's switchover runs on the demotion candidate, word for word.
        require_same(rc, i,
                     {"node", "check", "--terse", "-LERROR", "--archive-ready", "--optformat"});
        require_same(rc, i, check("--data-directory-config", {"--optformat", "-LINFO"}));
    }
    // One output form at a time.
    require_same(rc, 1, check("--role", {"--csv", "--optformat"}));
    require_same(rc, 1, check("--role", {"--nagios", "--optformat"}));
    require_same(rc, 1, {"node", "check", "--csv", "--nagios"});
    require_same(rc, 1, {"cluster", "show", "--csv", "--optformat"});
    require_same(rc, 2, {"node", "status", "--nagios", "--csv"});

    // Thresholds crossed: the standby's lag (an idle primary: the standby's replay is old).
    for (int i = 1; i <= 2; ++i)
        std::ofstream(rc.conf(i), std::ios::app)
            << "replication_lag_warning=0\nreplication_lag_critical=1000000\n";
    require_same(rc, 2, check("--replication-lag", {"--optformat"}));

    // A server that is down: the remote caller reads the error from stdout.
    rc.cluster.stop(2);
    for (const auto& flag : {"--role", "--replication-lag", "--repmgrd", "--db-connection"}) {
        const auto theirs = rc.repmgr(2, check(flag, {"--optformat"}));
        const auto ours = rc.pgwarden(2, check(flag, {"--optformat"}));
        INFO(flag << "\nrepmgr: " << theirs.describe() << "\npgwarden: " << ours.describe());
        CHECK(ours.out == theirs.out);
        CHECK(ours.exit_code == theirs.exit_code);
    }
}

TEST_CASE(
    "the superuser option makes node check's data directory and connection checks a superuser's",
    "[cli][node][optformat]") {
    RepmgrCluster rc(2);
    // repmgr's metadata readable, the server's settings not (no pg_read_all_settings): node2's
    // checks as a user who may not read data_directory: repmgr's simple check, and the full one
    // with -S.
    const std::string conf = write_conf_as_reader(rc.cluster, 2, "checker");
    rc.cluster.wait_streaming(2, 1);
    // Without -S, repmgr says why the check is the simple one, in the text form only.
    require_same_conf(conf, check("--data-directory-config"), Streams::out_and_err);
    require_same_conf(conf, check("--data-directory-config", {"--nagios"}), Streams::out_and_err);
    for (const auto& superuser : std::vector<std::vector<std::string>>{
             {}, {"-S", "postgres"}, {"--superuser=postgres"}, {"--superuser=nobody"}}) {
        require_same_conf(conf, check("--data-directory-config", superuser));
        auto optformat = superuser;
        optformat.push_back("--optformat");
        require_same_conf(conf, check("--data-directory-config", optformat));
        // As repmgr's switchover asks it: --db-connection --superuser=%s --optformat.
        require_same_conf(conf, check("--db-connection", optformat));
        require_same_conf(conf, check("--role", superuser));
    }
}

TEST_CASE("node check --has-passfile answers as repmgr's, with its exit code and no output",
          "[cli][node][optformat]") {
    RepmgrCluster rc(1);
    require_same(rc, 1, check("--has-passfile"), Streams::out_and_err);
    CHECK(rc.pgwarden(1, check("--has-passfile")).exit_code == 0);
    // It comes before any connection: a stopped server changes nothing.
    rc.cluster.stop(1);
    require_same(rc, 1, check("--has-passfile"), Streams::out_and_err);
}

TEST_CASE("dump-config prints repmgr.conf's values as repmgr does, and takes no command",
          "[cli][options]") {
    RepmgrCluster rc(1);
    require_same(rc, 1, {"--dump-config"});
    const std::string conf =
        write_conf(rc.cluster, 1,
                   "location='dc1'\npriority=0\nfailover=automatic\n"
                   "promote_command='repmgr standby promote -f /etc/repmgr.conf'\n"
                   "follow_command='repmgr standby follow --upstream-node-id=%n'\n"
                   "log_level=DEBUG\nlog_facility=LOCAL0\nconnection_check_type=query\n"
                   "event_notifications='standby_promote, standby_follow'\n"
                   "tablespace_mapping='/a=/b'\ntablespace_mapping='/c=/d'\n"
                   "repmgrd_standby_startup_timeout=7\nuse_replication_slots=yes\n"
                   "monitor_interval_secs='5'\npg_basebackup_options='--max-rate=1M'\n"
                   "standby_reconnect_timeout=99\nunknown_key=1\n",
                   "dump.conf");
    require_same_conf(conf, {"--dump-config"});
    require_same_conf(conf, {"--dump-config", "-b", "/nowhere", "-L", "ERROR"});
    // A command beside it: refused, after the file is read.
    const auto theirs = run_repmgr(conf, {"--dump-config", "cluster", "show"});
    const auto ours = run_pgwarden(conf, {"--dump-config", "cluster", "show"});
    CHECK(ours.exit_code == theirs.exit_code);
    CHECK(ours.out == theirs.out);
    CHECK(ours.err.find("--dump-config cannot be used in combination with a repmgr command") !=
          std::string::npos);
    // A file with errors is not dumped (repmgr's stdout then has an empty line of its own).
    std::ofstream(conf, std::ios::app) << "priority=abc\n";
    for (const auto& path : {conf, rc.cluster.dir() + "/missing.conf"}) {
        const auto bad_theirs = run_repmgr(path, {"--dump-config"});
        const auto bad_ours = run_pgwarden(path, {"--dump-config"});
        CHECK(bad_ours.exit_code == bad_theirs.exit_code);
        CHECK(bad_ours.exit_code == 1);
        CHECK(bad_ours.out.empty());
    }
}

TEST_CASE("the getopt options repmgr 5.3 keeps outside its --help are warned about as repmgr does",
          "[cli][options]") {
    RepmgrCluster rc(2);
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"-C", "/etc/repmgr.conf"}, "  --remote-config-file is no longer required\n"},
        {{"--remote-config-file=/etc/repmgr.conf"},
         "  --remote-config-file is no longer required\n"},
        {{"--check-upstream-config"},
         "  --check-upstream-config is deprecated; use --dry-run instead\n"},
        {{"--disable-wal-receiver"},
         "  --disable-wal-receiver / --enable-wal-receiver not effective when executing CLUSTER "
         "SHOW\n"},
        {{"--enable-wal-receiver"},
         "  --disable-wal-receiver / --enable-wal-receiver not effective when executing CLUSTER "
         "SHOW\n"},
    };
    for (const auto& [options, warning] : cases) {
        std::vector<std::string> args = {"cluster", "show", "--csv"};
        args.insert(args.end(), options.begin(), options.end());
        const auto theirs = rc.repmgr(1, args);
        const auto ours = rc.pgwarden(1, args);
        INFO("repmgr: " << theirs.describe() << "\npgwarden: " << ours.describe());
        CHECK(ours.out == theirs.out);
        CHECK(ours.exit_code == theirs.exit_code);
        CHECK(theirs.err.find(warning) != std::string::npos);
        CHECK(ours.err.find("WARNING: following problems with command line parameters "
                            "detected:\n" +
                            warning) != std::string::npos);
        // -t silences them in both.
        args.push_back("-t");
        CHECK(rc.pgwarden(1, args).err.find(warning) == std::string::npos);
        CHECK(rc.repmgr(1, args).err.find(warning) == std::string::npos);
    }
    // -S where repmgr does not read it, and the lot together, in repmgr's order.
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"cluster", "show", "--csv", "-S", "postgres"},
             {"node", "status", "--csv", "--superuser=postgres"},
             {"daemon", "status", "--csv", "-S", "postgres", "-D", "/nowhere", "-C", "/x",
              "--check-upstream-config", "--enable-wal-receiver"}}) {
        const auto theirs = rc.repmgr(2, args);
        const auto ours = rc.pgwarden(2, args);
        INFO("repmgr: " << theirs.describe() << "\npgwarden: " << ours.describe());
        CHECK(ours.out == theirs.out);
        CHECK(ours.exit_code == theirs.exit_code);
        CHECK(warning_block(ours.err) == warning_block(theirs.err));
        CHECK(warning_block(ours.err).find("--superuser ignored when executing") !=
              std::string::npos);
    }
    // node control, repmgr's undocumented testing command, is refused by name.
    const auto control = rc.pgwarden(2, {"node", "control", "--disable-wal-receiver"});
    CHECK(control.exit_code == 1);
    CHECK(control.err.rfind("ERROR: \"node control\" (--disable-wal-receiver / "
                            "--enable-wal-receiver) is not supported by pgwarden\n",
                            0) == 0);
}
