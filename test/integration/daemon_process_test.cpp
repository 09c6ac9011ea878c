// pgwardend as a process, as repmgrd's users run it: -d with a PID file (the PGDG unit), a second
// start refused, SIGHUP reloading (and rolling back) the configuration and reopening log_file,
// SIGTERM recording repmgrd_shutdown, and what the real `repmgr service status` sees.
#include "binaries.hpp"
#include "daemon_cluster.hpp"
#include "process.hpp"
#include "repmgr_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace std::chrono_literals;
using namespace pgwarden::test;

namespace {

void append(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app) << text;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<pid_t> pid_in(const std::string& path) {
    const auto text = read_file(path);
    if (text.empty())
        return std::nullopt;
    return static_cast<pid_t>(std::stol(text));
}

bool alive(pid_t pid) {
    return !process_gone(pid);
}

std::string events_of(const RepmgrCluster& rc, const std::string& event) {
    return rc.cluster.psql(
        1, fmt::format("SELECT string_agg(node_id || ':' || successful, ',' ORDER BY "
                       "event_timestamp) FROM repmgr.events WHERE event = '{}'",
                       event));
}

}  // namespace

TEST_CASE("pgwardend -d -p writes the daemon's PID, is seen by repmgr and stops on SIGTERM",
          "[daemon]") {
    RepmgrCluster rc(1);
    const auto& node = rc.cluster.node(1);
    const std::string log_file = node.node_dir + "/pgwardend.log";
    const std::string pid_file = node.node_dir + "/pgwardend.pid";
    append(
        rc.conf(1),
        fmt::format("log_file='{}'\nmonitor_interval_secs=1\nlog_status_interval=1\n", log_file));
    give_to_postgres(node.node_dir);

    // As the PGDG unit starts repmgrd: the parent returns once the daemon is up.
    const auto started =
        run_command({pgwarden::test::daemon_bin(), "-f", rc.conf(1), "-p", pid_file, "-d",
                     "--verbose", "--ini", daemon_test_ini(node.node_dir)},
                    30s, true);
    INFO(started.describe() << "\n" << tail_file(log_file));
    REQUIRE(started.ok());
    const auto pid = pid_in(pid_file);
    REQUIRE(pid);
    CHECK(alive(*pid));

    const auto status = rc.repmgr(1, {"service", "status", "--csv"});
    INFO(status.describe() << status.out);
    CHECK(status.out.find(fmt::format(",1,{},0,", *pid)) != std::string::npos);
    CHECK(events_of(rc, "repmgrd_start") == "1:true");

    // A second daemon on the same PID file is refused: repmgrd's ERR_BAD_PIDFILE.
    const auto second = run_command({pgwarden::test::daemon_bin(), "-f", rc.conf(1), "-p", pid_file,
                                     "-d", "--ini", daemon_test_ini(node.node_dir)},
                                    30s, true);
    CHECK(second.exit_code == 3);
    CHECK(second.err.find(std::to_string(*pid)) != std::string::npos);
    CHECK(pid_in(pid_file) == pid);

    // repmgrd's periodic status line.
    CHECK(wait_until(
        [&] {
            return read_file(log_file).find("monitoring primary node \"node1\" (ID: 1)") !=
                   std::string::npos;
        },
        10s));

    ::kill(*pid, SIGTERM);
    CHECK(wait_until([&] { return !alive(*pid); }, 20s));
    CHECK_FALSE(std::filesystem::exists(pid_file));
    CHECK(events_of(rc, "repmgrd_shutdown") == "1:true");
    CHECK(rc.cluster.psql(1, "SELECT repmgr.repmgrd_is_running()") == "f");
    CHECK(read_file(log_file).find("TERM signal received") != std::string::npos);
}

TEST_CASE("a SIGTERM as soon as the PID file exists leaves neither the file nor a published PID",
          "[daemon]") {
    RepmgrCluster rc(1);
    const auto& node = rc.cluster.node(1);
    const std::string pid_file = node.node_dir + "/pgwardend.pid";
    give_to_postgres(node.node_dir);
    ChildProcess daemon({pgwarden::test::daemon_bin(), "-f", rc.conf(1), "--daemonize=false", "-p",
                         pid_file, "--ini", daemon_test_ini(node.node_dir)},
                        node.node_dir + "/pgwardend.out", true);
    // The file is written before the node is prepared and the PID published: the signal lands
    // in the middle of start-up.
    REQUIRE(wait_until([&] { return std::filesystem::exists(pid_file) || !daemon.running(); }, 30s,
                       1ms));
    ::kill(daemon.pid(), SIGTERM);
    REQUIRE(wait_until([&] { return !daemon.running(); }, 20s));
    INFO(daemon.log_contents());
    CHECK(daemon.exit_status() == 0);
    CHECK_FALSE(std::filesystem::exists(pid_file));
    CHECK(rc.cluster.psql(1, "SELECT repmgr.repmgrd_is_running()") == "f");
    // The extension's "unknown" (UNKNOWN_PID): cleared, or never published.
    CHECK(rc.cluster.psql(1, "SELECT repmgr.get_repmgrd_pid()") == "-1");
}

TEST_CASE("SIGHUP reloads repmgr.conf, keeps it on a bad change and reopens the log file",
          "[daemon]") {
    RepmgrCluster rc(1);
    const auto& node = rc.cluster.node(1);
    const std::string log_file = node.node_dir + "/pgwardend.log";
    const std::string original = read_file(rc.conf(1));
    append(rc.conf(1), fmt::format("log_file='{}'\n", log_file));
    give_to_postgres(node.node_dir);
    ChildProcess daemon({pgwarden::test::daemon_bin(), "-f", rc.conf(1), "--daemonize=false",
                         "--no-pid-file", "--ini", daemon_test_ini(node.node_dir)},
                        node.node_dir + "/pgwardend.out", true);
    REQUIRE(wait_until([&] { return events_of(rc, "repmgrd_start") == "1:true"; }, 30s));

    // logrotate: the file is moved away, then SIGHUP; the daemon writes a fresh one.
    std::filesystem::rename(log_file, log_file + ".1");
    ::kill(daemon.pid(), SIGHUP);
    REQUIRE(wait_until([&] { return std::filesystem::exists(log_file); }, 10s));
    CHECK(wait_until(
        [&] {
            return read_file(log_file).find("configuration file reloaded") != std::string::npos;
        },
        10s));
    CHECK(wait_until([&] { return events_of(rc, "repmgrd_reload") == "1:true"; }, 10s));

    // node_id cannot change on a reload: the old configuration stays, the daemon runs on.
    std::ofstream(rc.conf(1)) << original << fmt::format("log_file='{}'\n", log_file)
                              << "node_id=7\n";
    ::kill(daemon.pid(), SIGHUP);
    CHECK(wait_until(
        [&] {
            return read_file(log_file).find("node_id cannot be changed by a reload") !=
                   std::string::npos;
        },
        10s));
    CHECK(daemon.running());
    // Recorded as repmgrd records a reload that did not take effect.
    CHECK(wait_until([&] { return events_of(rc, "repmgrd_config_reload") == "1:false"; }, 10s));

    // A new conninfo is tested first (off the daemon's loop): one that does not connect is
    // refused, one that does is taken.
    const auto with_conninfo = [&](const std::string& conninfo) {
        std::ofstream(rc.conf(1)) << original << fmt::format("log_file='{}'\n", log_file)
                                  << fmt::format("conninfo='{}'\n", conninfo);
        ::kill(daemon.pid(), SIGHUP);
    };
    with_conninfo("host=127.0.0.1 port=1 dbname=postgres");
    CHECK(wait_until(
        [&] {
            return read_file(log_file).find("the new conninfo does not connect") !=
                   std::string::npos;
        },
        10s));
    CHECK(daemon.running());
    with_conninfo(node.conninfo() + " connect_timeout=3");
    CHECK(wait_until([&] { return events_of(rc, "repmgrd_reload") == "1:true,1:true"; }, 10s));
    CHECK(daemon.running());

    // A file that does not parse is rolled back too, with file:line.
    std::ofstream(rc.conf(1), std::ios::app) << "monitor_interval_secs='often'\n";
    ::kill(daemon.pid(), SIGHUP);
    CHECK(wait_until([&] { return read_file(log_file).find("repmgr.conf:") != std::string::npos; },
                     10s));
    CHECK(daemon.running());
    INFO(read_file(log_file));
    CHECK(daemon.stop(SIGTERM, 20s) == 0);
}

TEST_CASE("pgwardend refuses to start on a node that is not registered", "[daemon]") {
    RepmgrCluster rc(1);
    const auto& node = rc.cluster.node(1);
    const std::string conf = node.node_dir + "/unregistered.conf";
    std::ofstream(conf) << fmt::format(
        "node_id=9\nnode_name='node9'\nconninfo='{}'\n"
        "data_directory='{}'\n",
        node.conninfo(), node.data_dir);
    give_to_postgres(conf);
    const auto result = run_command({pgwarden::test::daemon_bin(), "-f", conf, "--daemonize=false",
                                     "--no-pid-file", "--ini", daemon_test_ini(node.node_dir)},
                                    30s, true);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("no metadata record found for this node (ID: 9)") != std::string::npos);
    CHECK(result.err.find("[HINT]") != std::string::npos);
}

TEST_CASE("monitoring_history on fills repmgr.monitoring_history from the standby's daemon",
          "[daemon]") {
    RepmgrCluster rc(2);
    const auto& standby = rc.cluster.node(2);
    append(rc.conf(2), fmt::format("monitoring_history=yes\nmonitor_interval_secs=1\n"
                                   "log_file='{}/pgwardend.log'\n",
                                   standby.node_dir));
    give_to_postgres(standby.node_dir);
    ChildProcess daemon({pgwarden::test::daemon_bin(), "-f", rc.conf(2), "--daemonize=false",
                         "--no-pid-file", "--ini", daemon_test_ini(standby.node_dir)},
                        standby.node_dir + "/pgwardend.out", true);
    const auto rows = [&] {
        return rc.cluster.psql(1,
                               "SELECT count(*) FROM repmgr.monitoring_history"
                               " WHERE primary_node_id = 1 AND standby_node_id = 2");
    };
    const bool filled = wait_until([&] { return std::stoi(rows()) >= 2; }, 20s, 200ms);
    INFO(read_file(standby.node_dir + "/pgwardend.log"));
    CHECK(filled);
    // The view repmgr's users read shows the standby.
    CHECK(rc.cluster.psql(1, "SELECT standby_name FROM repmgr.replication_status") == "node2");
    CHECK(rc.cluster.psql(2, "SELECT repmgr.get_upstream_node_id()") == "1");
    CHECK(daemon.stop(SIGTERM, 20s) == 0);
}
