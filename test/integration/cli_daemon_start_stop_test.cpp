// pgwarden daemon start|stop beside the real repmgr 5.3 on the same cluster: both run the
// repmgrd_service_*_command of repmgr.conf, which start and stop a pgwardend, and both must say
// the same, exit the same and leave the daemon in the same state.
#include "binaries.hpp"
#include "daemon_cluster.hpp"
#include "log_file.hpp"
#include "process_table.hpp"
#include "repmgr_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

constexpr int kNode = 1;

std::string pid_file(DaemonCluster& dc) {
    return dc.cluster().node(kNode).node_dir + "/pgwardend.pid";
}

// The PID in the file, read as it is being written too.
std::optional<pid_t> pid_in_file(DaemonCluster& dc) {
    try {
        return static_cast<pid_t>(std::stoi(file_contents(pid_file(dc))));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// The daemon the PID file names, while it runs.
std::optional<pid_t> daemon_pid(DaemonCluster& dc) {
    const auto pid = pid_in_file(dc);
    return pid && !process_gone(*pid) ? pid : std::nullopt;
}

// The daemons the service commands start are nobody's children but ours: the harness is the
// subreaper (process_table.hpp), so an exited daemon stays a zombie, which kill(pid, 0) still
// finds, until reaped here, as init would. Stops whatever the PID file names when the test
// ends, also when it fails.
class DaemonReaper {
  public:
    explicit DaemonReaper(DaemonCluster& dc) : dc_(dc), thread_([this] { run(); }) {}
    ~DaemonReaper() {
        if (const auto pid = daemon_pid(dc_)) {
            ::kill(*pid, SIGTERM);
            if (!wait_until([&] { return process_gone(*pid); }, 10s))
                ::kill(*pid, SIGKILL);
        }
        stop_ = true;
        thread_.join();
    }
    DaemonReaper(const DaemonReaper&) = delete;
    DaemonReaper& operator=(const DaemonReaper&) = delete;

  private:
    void run() {
        std::set<pid_t> seen;
        while (!stop_) {
            if (const auto pid = pid_in_file(dc_))
                seen.insert(*pid);
            for (auto it = seen.begin(); it != seen.end();)
                it = process_gone(*it) ? seen.erase(it) : std::next(it);
            std::this_thread::sleep_for(50ms);
        }
    }

    DaemonCluster& dc_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

void append(DaemonCluster& dc, const std::string& lines) {
    std::ofstream(dc.conf(kNode), std::ios::app) << lines;
}

// repmgr.conf's commands that start pgwardend in the background with a PID file, and stop it.
void set_service_commands(DaemonCluster& dc) {
    const auto& dir = dc.cluster().node(kNode).node_dir;
    append(dc, fmt::format("repmgrd_service_start_command='{} -f {} --ini {}/pgwarden.ini -p {}'\n"
                           "repmgrd_service_stop_command='kill `cat {}`'\n",
                           daemon_bin(), dc.conf(kNode), dir, pid_file(dc), pid_file(dc)));
}

CommandResult run(DaemonCluster& dc, bool repmgr, const std::vector<std::string>& args) {
    return repmgr ? dc.repmgr().repmgr(kNode, args) : dc.repmgr().pgwarden(kNode, args);
}

const char* name(bool repmgr) {
    return repmgr ? "repmgr" : "pgwarden";
}

bool wait_running(DaemonCluster& dc, bool running) {
    return wait_until([&] { return daemon_pid(dc).has_value() == running; }, 20s);
}

// repmgr's line before it runs `setting`'s command (the last value in repmgr.conf).
std::string executing(DaemonCluster& dc, const std::string& setting) {
    std::string command;
    std::ifstream in(dc.conf(kNode));
    const std::string prefix = setting + "='";
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0)
            command = line.substr(prefix.size(), line.size() - prefix.size() - 1);
    return fmt::format("NOTICE: executing: \"{}\"\n", command);
}

}  // namespace

TEST_CASE("daemon start and stop run the service commands and wait as repmgr does",
          "[cli][daemon]") {
    DaemonClusterOptions options;
    options.nodes = 2;
    DaemonCluster dc(options);
    DaemonReaper reaper(dc);
    const auto& rc = dc.repmgr();

    // Without the commands both refuse before touching anything.
    require_same(rc, kNode, {"daemon", "start"}, Streams::out_and_err);
    require_same(rc, kNode, {"daemon", "stop"}, Streams::out_and_err);
    CHECK(rc.pgwarden(kNode, {"daemon", "start"}).exit_code == 1);

    set_service_commands(dc);
    // Nothing runs yet: stop refuses, start's dry run names the command.
    require_same(rc, kNode, {"daemon", "stop"}, Streams::out_and_err);
    require_same(rc, kNode, {"daemon", "stop", "--dry-run"}, Streams::out_and_err);
    require_same(rc, kNode, {"daemon", "start", "--dry-run"}, Streams::out_and_err);
    const auto stopped = rc.pgwarden(kNode, {"daemon", "stop"});
    CHECK(stopped.exit_code == 27);
    CHECK(stopped.err == "ERROR: repmgrd appears to be stopped already\n");
    CHECK_FALSE(daemon_pid(dc));

    for (const bool repmgr : {true, false}) {
        INFO(name(repmgr) << " starts, " << name(!repmgr) << " stops");
        const auto started = run(dc, repmgr, {"daemon", "start"});
        INFO(started.describe() << "\n" << started.err << dc.daemon_log(kNode));
        CHECK(started.exit_code == 0);
        CHECK(started.err == executing(dc, "repmgrd_service_start_command") +
                                 "NOTICE: repmgrd was successfully started\n");
        REQUIRE(daemon_pid(dc));

        // Running: start refuses with the PID, stop's dry run passes, from either program.
        require_same(rc, kNode, {"daemon", "start"}, Streams::out_and_err);
        const auto again = rc.pgwarden(kNode, {"daemon", "start"});
        CHECK(again.exit_code == 27);
        CHECK(again.err == fmt::format("ERROR: repmgrd appears to be running already\n"
                                       "DETAIL: repmgrd PID is {}\n",
                                       *daemon_pid(dc)));
        require_same(rc, kNode, {"daemon", "stop", "--dry-run"}, Streams::out_and_err);
        require_same(rc, kNode, {"daemon", "start", "--dry-run"}, Streams::out_and_err);

        const auto pid = *daemon_pid(dc);
        const auto stop = run(dc, !repmgr, {"daemon", "stop"});
        INFO(stop.describe() << "\n" << stop.err);
        CHECK(stop.exit_code == 0);
        CHECK(stop.err == executing(dc, "repmgrd_service_stop_command") +
                              "NOTICE: repmgrd was successfully stopped\n");
        CHECK(::kill(pid, 0) != 0);
    }

    // --no-wait (and -W, repmgr's getopt spelling of it): the command, then a hint.
    std::vector<std::string> no_wait_err;
    for (const bool repmgr : {true, false}) {
        for (const char* option : {"--no-wait", "-W"}) {
            INFO(name(repmgr) << " " << option);
            const auto start = run(dc, repmgr, {"daemon", "start", option});
            CHECK(start.exit_code == 0);
            REQUIRE(wait_running(dc, true));
            const auto stop = run(dc, repmgr, {"daemon", "stop", option});
            CHECK(stop.exit_code == 0);
            REQUIRE(wait_running(dc, false));
            no_wait_err.push_back(start.err + stop.err);
        }
    }
    CHECK(no_wait_err[0].find("HINT: use \"repmgr service status\" to confirm that repmgrd was "
                              "successfully started\n") != std::string::npos);
    CHECK(no_wait_err[0] == no_wait_err[1]);
    CHECK(no_wait_err[0] == no_wait_err[2]);
    CHECK(no_wait_err[0] == no_wait_err[3]);

    // A command that fails, and one that starts nothing within --wait=SECS.
    append(dc, "repmgrd_service_start_command='/bin/false'\n");
    require_same(rc, kNode, {"daemon", "start"}, Streams::out_and_err);
    CHECK(rc.pgwarden(kNode, {"daemon", "start"}).exit_code == 27);
    append(dc, "repmgrd_service_start_command='/bin/true'\n");
    require_same(rc, kNode, {"daemon", "start", "--wait=2"}, Streams::out_and_err);
    const auto nothing = rc.pgwarden(kNode, {"daemon", "start", "--wait=2"});
    CHECK(nothing.exit_code == 27);
    CHECK(nothing.err.find("ERROR: repmgrd does not appear to have started after 2 seconds\n") !=
          std::string::npos);
    require_same(rc, kNode, {"daemon", "start", "--wait=-3"}, Streams::out);
    CHECK(rc.pgwarden(kNode, {"daemon", "start", "--wait=-3"}).exit_code == 1);

    // The server down: start refuses (6); stop goes ahead without the PID, so cannot wait (27).
    append(dc, "repmgrd_service_stop_command='/bin/true'\n");
    dc.cluster().stop(kNode);
    for (const bool repmgr : {true, false}) {
        INFO(name(repmgr));
        const auto start = run(dc, repmgr, {"daemon", "start"});
        CHECK(start.exit_code == 6);
        CHECK(start.err.find("ERROR: unable to connect to local node\nDETAIL: PostgreSQL must be "
                             "running before \"repmgrd\" can be started\n") != std::string::npos);
        const auto stop = run(dc, repmgr, {"daemon", "stop"});
        CHECK(stop.exit_code == 27);
        CHECK(stop.err.find("WARNING: unable to connect to local node\nNOTICE: executing: "
                            "\"/bin/true\"\nWARNING: unable to determine repmgrd PID\n") !=
              std::string::npos);
        require_same(rc, kNode, {"daemon", "stop", "--no-wait"}, Streams::out);
    }
}

TEST_CASE(
    "without the repmgr library daemon start and stop find pgwardend through its table, "
    "where repmgr refuses",
    "[cli][daemon]") {
    DaemonClusterOptions options;
    options.nodes = 2;
    options.preload_repmgr = false;
    DaemonCluster dc(options);
    DaemonReaper reaper(dc);
    const auto& rc = dc.repmgr();
    set_service_commands(dc);

    const auto refused = rc.repmgr(kNode, {"daemon", "start"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("ERROR: repmgrd not configured for this node\n") != std::string::npos);

    const auto started = rc.pgwarden(kNode, {"daemon", "start"});
    INFO(started.describe() << "\n" << started.err << dc.daemon_log(kNode));
    CHECK(started.exit_code == 0);
    CHECK(started.err.find("NOTICE: repmgrd was successfully started\n") != std::string::npos);
    REQUIRE(daemon_pid(dc));
    const auto pid = *daemon_pid(dc);
    const auto again = rc.pgwarden(kNode, {"daemon", "start"});
    CHECK(again.exit_code == 27);
    CHECK(again.err.find(fmt::format("DETAIL: repmgrd PID is {}\n", pid)) != std::string::npos);

    const auto stopped = rc.pgwarden(kNode, {"daemon", "stop"});
    CHECK(stopped.exit_code == 0);
    CHECK(stopped.err.find("NOTICE: repmgrd was successfully stopped\n") != std::string::npos);
    CHECK(process_gone(pid));
}
