// pgwarden node service beside the real repmgr 5.3 on the same cluster: the commands it would
// run (--list-actions, --dry-run), and each action run for real with its resulting server state.
#include "pg_cluster.hpp"
#include "repmgr_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

constexpr const char* kActions[] = {"start", "stop", "restart", "reload", "promote"};

// pg_ctl_options that start node i as the harness does: its port is given on the command line
// (never written into the data directory) and its log stays where the harness reads it.
std::string pg_ctl_settings(const PgCluster& cluster, int i) {
    const auto& node = cluster.node(i);
    return fmt::format("pg_bindir='{}'\npg_ctl_options='-o \"-p {}\" -l {}'\n", PgCluster::kBinDir,
                       node.port, node.log_file);
}

void append(const RepmgrCluster& rc, int i, const std::string& lines) {
    std::ofstream(rc.conf(i), std::ios::app) << lines;
}

// The pg_ctl command line both programs build for `action` on node i.
std::string server_command(const RepmgrCluster& rc, int i, const std::string& action) {
    const auto& node = rc.cluster.node(i);
    const std::string opts = fmt::format("-o \"-p {}\" -l {}", node.port, node.log_file);
    const std::string dir = "'" + node.data_dir + "'";
    const std::string pg_ctl = std::string(PgCluster::kBinDir) + "/pg_ctl";
    return action == "stop" ? fmt::format("{} {} -D {} -W -m fast stop", pg_ctl, opts, dir)
                            : fmt::format("{} {} -w -D {} {}", pg_ctl, opts, dir, action);
}

// repmgr's one line before it runs the command.
std::string executing(const RepmgrCluster& rc, int i, const std::string& action) {
    return fmt::format("DETAIL: executing server command \"{}\"\n", server_command(rc, i, action));
}

// Runs `args` with one program on node i and checks it succeeded with repmgr's one DETAIL line.
void run_action(const RepmgrCluster& rc, bool repmgr, int i, const std::string& action,
                std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"node", "service", "--action=" + action};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = repmgr ? rc.repmgr(i, args) : rc.pgwarden(i, args);
    INFO(result.describe() << "\n" << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.empty());
    CHECK(result.err.find(executing(rc, i, action)) != std::string::npos);
}

}  // namespace

TEST_CASE("node service --list-actions and --dry-run print repmgr's commands and change nothing",
          "[cli][node]") {
    RepmgrCluster rc(2);
    const auto pid_before = rc.cluster.postmaster_pid(2);
    auto compare_all = [&](const std::string& stage) {
        INFO(stage);
        require_same(rc, 2, {"node", "service", "--list-actions"}, Streams::out_and_err);
        for (const char* action : kActions) {
            const std::string option = std::string("--action=") + action;
            require_same(rc, 2, {"node", "service", option, "--list-actions"},
                         Streams::out_and_err);
            require_same(rc, 2, {"node", "service", option, "--dry-run"}, Streams::out_and_err);
            require_same(rc, 2, {"node", "service", option, "--dry-run", "--checkpoint"},
                         Streams::out_and_err);
        }
    };
    // No pg_bindir: repmgr names plain pg_ctl, found on PATH.
    compare_all("without pg_bindir");
    const auto listed = rc.pgwarden(2, {"node", "service", "--list-actions"});
    CHECK(listed.out.find("     stop: \"pg_ctl  -D '" + rc.cluster.node(2).data_dir +
                          "' -W -m fast stop\"\n") != std::string::npos);

    append(rc, 2, pg_ctl_settings(rc.cluster, 2));
    compare_all("with pg_bindir and pg_ctl_options");
    const auto dry_run =
        rc.pgwarden(2, {"node", "service", "--action=restart", "--dry-run", "--checkpoint"});
    CHECK(dry_run.err ==
          "INFO: a CHECKPOINT would be issued here\nINFO: would execute server "
          "command \"" +
              server_command(rc, 2, "restart") + "\"\n");

    // A service command for some actions: those are named as they are, pg_ctl for the rest.
    append(rc, 2,
           "service_start_command='/bin/true start'\nservice_stop_command='/bin/true stop'\n"
           "service_promote_command='/bin/true promote'\n");
    compare_all("with service_*_command for start, stop and promote");

    // Options repmgr refuses, and none at all (repmgr runs the empty command and succeeds).
    require_same(rc, 2, {"node", "service", "--action=bounce"}, Streams::out_and_err);
    require_same(rc, 2, {"node", "service", "--action=bounce", "--list-actions"},
                 Streams::out_and_err);
    require_same(rc, 2, {"node", "service"}, Streams::out_and_err);
    require_same(rc, 2, {"node", "service", "--action=STOP", "--list-actions"},
                 Streams::out_and_err);
    CHECK(rc.pgwarden(2, {"node", "service", "--action=bounce"}).exit_code == 1);

    // Nothing was stopped, restarted or promoted.
    CHECK(rc.cluster.postmaster_pid(2) == pid_before);
    CHECK(rc.cluster.is_in_recovery(2));
    CHECK(nodes_table(rc.cluster, 1) == "1|primary|t|-,2|standby|t|1");
}

TEST_CASE("node service stops, starts, restarts, reloads and promotes as repmgr does",
          "[cli][node]") {
    RepmgrCluster rc(3);
    for (int i = 1; i <= 3; ++i)
        append(rc, i, pg_ctl_settings(rc.cluster, i));

    for (const bool repmgr : {true, false}) {
        INFO((repmgr ? "repmgr" : "pgwarden"));
        // stop is pg_ctl -W: it returns before the server is down.
        run_action(rc, repmgr, 2, "stop");
        REQUIRE(wait_until([&] { return !rc.cluster.running(2); }, std::chrono::seconds(30)));
        run_action(rc, repmgr, 2, "start");
        CHECK(rc.cluster.running(2));
        rc.cluster.wait_streaming(2, 1);

        const auto pid = rc.cluster.postmaster_pid(2);
        run_action(rc, repmgr, 2, "restart", {"--checkpoint"});
        if (repmgr) {
            // repmgr reads one line of the command's output and closes the pipe: pg_ctl restart
            // may die of SIGPIPE between stopping the server and starting it again (exit 141,
            // which repmgr counts as success), before or after forking the new postmaster. Only
            // pgwarden's restart is checked to restart; repmgr's server is started if it is not.
            if (!wait_until([&] { return rc.cluster.running(2); }, std::chrono::seconds(5)))
                rc.cluster.start(2);
        } else {
            CHECK(rc.cluster.running(2));
            CHECK(rc.cluster.postmaster_pid(2) != pid);
        }
        rc.cluster.wait_streaming(2, 1);

        // reload: the server rereads its configuration and keeps running.
        std::ofstream(rc.cluster.node(2).data_dir + "/postgresql.auto.conf", std::ios::app)
            << "work_mem = '7MB'\n";
        const auto reloaded_pid = rc.cluster.postmaster_pid(2);
        run_action(rc, repmgr, 2, "reload");
        rc.cluster.wait_for_result(2, "SHOW work_mem", "7MB");
        CHECK(rc.cluster.postmaster_pid(2) == reloaded_pid);
        std::ofstream(rc.cluster.node(2).data_dir + "/postgresql.auto.conf", std::ios::app)
            << "work_mem = '4MB'\n";
        run_action(rc, repmgr, 2, "reload");
        rc.cluster.wait_for_result(2, "SHOW work_mem", "4MB");
    }

    // --checkpoint on a primary's restart: repmgr's NOTICE before the command.
    const auto restarted = rc.pgwarden(1, {"node", "service", "--action=restart", "--checkpoint"});
    CHECK(restarted.exit_code == 0);
    CHECK(restarted.err ==
          "NOTICE: issuing CHECKPOINT on node \"node1\" (ID: 1) \n" + executing(rc, 1, "restart"));
    rc.cluster.wait_streaming(2, 1);

    // promote: pg_ctl refuses on the primary (exit 5 in both), promotes a standby.
    for (const bool repmgr : {true, false}) {
        const std::vector<std::string> args = {"node", "service", "--action=promote"};
        const auto refused = repmgr ? rc.repmgr(1, args) : rc.pgwarden(1, args);
        CHECK(refused.exit_code == 5);
        CHECK(refused.err == executing(rc, 1, "promote"));
    }
    run_action(rc, true, 2, "promote");
    run_action(rc, false, 3, "promote");
    CHECK_FALSE(rc.cluster.is_in_recovery(2));
    CHECK_FALSE(rc.cluster.is_in_recovery(3));
    CHECK_FALSE(rc.cluster.is_in_recovery(1));
}
