// `pgwarden daemon start|stop`: the local failover daemon started or stopped with repmgr.conf's
// repmgrd_service_start_command / repmgrd_service_stop_command, checked before and waited for
// after as repmgr 5.3 does. The daemon is known by the PID it publishes: in the repmgr
// extension's shared memory (repmgrd, and pgwardend where the library is preloaded), else in
// pgwardend's repmgr.daemon_status row.
#include "../command_registry.hpp"
#include "../daemon_wait.hpp"
#include "../register_support.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_state.hpp"
#include "cluster/node_survey.hpp"
#include "exec/shell.hpp"
#include "log/log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <thread>

namespace pgwarden::cli {
namespace {

using log::Level;

// repmgr waits for the service command without a limit; a service manager has its own limits,
// and this bounds whatever hangs beyond them.
constexpr std::chrono::minutes kServiceCommandTimeout{5};
constexpr std::chrono::seconds kPollStep{1};

// repmgr's texts name its own command, which scripts and operators already grep for.
constexpr const char* kStartHint =
    "use \"repmgr service status\" to confirm that repmgrd was successfully started";
constexpr const char* kStopHint =
    "use \"repmgr service status\" to confirm that repmgrd was successfully stopped";

struct Verb {
    const char* word;
    const char* gerund;
};
constexpr Verb kStart{"start", "starting"};
constexpr Verb kStop{"stop", "stopping"};

struct LocalDaemon {
    std::optional<int> pid;
    // repmgr's is_repmgrd_running: the published PID names a process this user can signal.
    bool running = false;
};

bool process_exists(int pid) {
    return ::kill(static_cast<pid_t>(pid), 0) == 0;
}

// The daemon the local node knows of; nothing where neither the extension's library nor
// pgwardend's table is there (repmgr's check_shared_library).
std::optional<LocalDaemon> local_daemon(pg::Connection& conn, int node_id) {
    LocalDaemon daemon;
    switch (cluster::state_store(conn)) {
        case cluster::StateStore::extension:
            daemon.pid = cluster::extension_daemon_state(conn.get(), false).pid;
            break;
        case cluster::StateStore::table:
            if (const auto row = cluster::table_status(conn, node_id))
                daemon.pid = row->pid;
            break;
        case cluster::StateStore::none:
            return std::nullopt;
    }
    if (daemon.pid && *daemon.pid <= 0)
        daemon.pid.reset();
    daemon.running = daemon.pid && process_exists(*daemon.pid);
    return daemon;
}

// Connects to the local node and reads its daemon, after repmgr's messages when either fails.
// `connection_failed` tells the caller which of the two it was.
std::optional<LocalDaemon> check_local_daemon(const config::RepmgrConfig& config,
                                              const CliOptions& options, bool& connection_failed) {
    if (options.verbose)
        log::info("connecting to local node");
    auto conn = cluster::try_connect(config.conninfo, Level::error);
    connection_failed = !conn;
    if (!conn)
        return std::nullopt;
    auto daemon = local_daemon(*conn, config.node_id);
    if (!daemon) {
        log::error("repmgrd not configured for this node");
        reg::hint(Level::error,
                  "ensure \"shared_preload_libraries\" includes \"repmgr\" and restart PostgreSQL");
    }
    return daemon;
}

bool service_command_set(const std::string& command, const char* setting) {
    if (!command.empty())
        return true;
    log::error("\"{}\" is not set", setting);
    reg::hint(Level::error, fmt::format("set \"{}\" in \"repmgr.conf\"", setting));
    return false;
}

// Runs the service command as repmgr's local_command: its output is only shown when it fails.
bool run_service_command(const std::string& command, const char* verb) {
    log::notice("executing: \"{}\"", command);
    const auto outcome = exec::run_shell(command, kServiceCommandTimeout, Level::debug);
    // repmgr reads one line of output and closes the pipe; a command that dies of it still
    // succeeded.
    if (outcome.error.empty() && !outcome.timed_out &&
        (outcome.exit_code == 0 || outcome.exit_code == 141))
        return true;
    log::error("unable to {} repmgrd", verb);
    if (!outcome.output.empty())
        reg::detail(Level::error, outcome.output);
    return false;
}

// --dry-run's report, or the command run: the exit code when the command ends here.
std::optional<int> report_or_run(const CliOptions& options, const std::string& command,
                                 const Verb& verb) {
    if (options.dry_run) {
        log::info("prerequisites for {} repmgrd met", verb.gerund);
        reg::detail(Level::info, "following command would be executed:\n  " + command);
        return model::kSuccess;
    }
    if (!run_service_command(command, verb.word))
        return model::kErrRepmgrdService;
    return std::nullopt;
}

int daemon_start(const CliOptions& options) {
    const auto config = reg::load_config(options);
    const auto& command = config.repmgrd_service_start_command;
    if (!service_command_set(command, "repmgrd_service_start_command"))
        return model::kErrBadConfig;
    bool connection_failed = false;
    const auto daemon = check_local_daemon(config, options, connection_failed);
    if (connection_failed) {
        log::error("unable to connect to local node");
        reg::detail(Level::error, "PostgreSQL must be running before \"repmgrd\" can be started");
        return model::kErrDbConn;
    }
    if (!daemon)
        return model::kErrBadConfig;
    if (daemon->running) {
        log::error("repmgrd appears to be running already");
        reg::detail(Level::error, fmt::format("repmgrd PID is {}", *daemon->pid));
        return model::kErrRepmgrdService;
    }
    if (const auto done = report_or_run(options, command, kStart))
        return *done;

    const auto timeout = daemon_wait_seconds(options);
    if (!timeout) {
        reg::hint(Level::notice, kStartHint);
        return model::kSuccess;
    }
    auto conn = cluster::try_connect(config.conninfo, Level::error);
    if (!conn) {
        log::notice("unable to connect to local node");
        reg::hint(Level::notice, kStartHint);
        return model::kErrDbConn;
    }
    for (int waited = 0;; ++waited) {
        const auto now = local_daemon(*conn, config.node_id);
        if (now && now->running) {
            log::notice("repmgrd was successfully started");
            return model::kSuccess;
        }
        if (waited == *timeout) {
            log::error("repmgrd does not appear to have started after {} seconds", *timeout);
            reg::hint(Level::error, kStartHint);
            return model::kErrRepmgrdService;
        }
        log::debug("sleeping 1 second; {} of {} attempts to determine if repmgrd is running",
                   waited, *timeout);
        std::this_thread::sleep_for(kPollStep);
    }
}

int daemon_stop(const CliOptions& options) {
    const auto config = reg::load_config(options);
    const auto& command = config.repmgrd_service_stop_command;
    if (!service_command_set(command, "repmgrd_service_stop_command"))
        return model::kErrBadConfig;
    bool connection_failed = false;
    const auto daemon = check_local_daemon(config, options, connection_failed);
    std::optional<int> pid;
    if (connection_failed) {
        // A daemon can be stopped without its database.
        log::warning("unable to connect to local node");
    } else if (!daemon) {
        return model::kErrBadConfig;
    } else if (!daemon->running) {
        log::error("repmgrd appears to be stopped already");
        return model::kErrRepmgrdService;
    } else {
        pid = daemon->pid;
        log::debug("retrieved pid is {}", *pid);
    }
    const bool have_db = !connection_failed;
    if (const auto done = report_or_run(options, command, kStop))
        return *done;

    const auto timeout = daemon_wait_seconds(options);
    if (!timeout) {
        if (have_db)
            reg::hint(Level::notice, kStopHint);
        return model::kSuccess;
    }
    if (!pid) {
        log::warning("unable to determine repmgrd PID");
        if (have_db)
            reg::hint(Level::warning, kStopHint);
        return model::kErrRepmgrdService;
    }
    for (int waited = 0;; ++waited) {
        if (::kill(static_cast<pid_t>(*pid), 0) == -1) {
            if (errno == ESRCH) {
                log::notice("repmgrd was successfully stopped");
                return model::kSuccess;
            }
            log::error("unable to determine status of process with PID {}", *pid);
            reg::detail(Level::error, std::strerror(errno));
            return model::kErrRepmgrdService;
        }
        if (waited == *timeout) {
            log::error("repmgrd does not appear to have stopped after {} seconds", *timeout);
            // repmgr's own choice of hint here.
            if (have_db)
                reg::hint(Level::error, kStartHint);
            return model::kErrRepmgrdService;
        }
        log::debug(
            "sleeping 1 second; {} of {} attempts to determine if repmgrd with PID {} is "
            "running",
            waited, *timeout, *pid);
        std::this_thread::sleep_for(kPollStep);
    }
}

constexpr const char* kDaemonHelp =
    "pgwarden daemon start|stop: start or stop the failover daemon on the local node\n\n"
    "Usage:\n"
    "    pgwarden [OPTIONS] daemon start [--dry-run] [-w|--wait[=SECS]] [--no-wait]\n"
    "    pgwarden [OPTIONS] daemon stop [--dry-run] [-w|--wait[=SECS]] [--no-wait]\n\n"
    "Runs repmgrd_service_start_command or repmgrd_service_stop_command from repmgr.conf,\n"
    "after checking with the local database that the daemon (pgwardend or repmgrd) is not\n"
    "already running (start) or is running (stop); stop works without the database.\n\n"
    "Options:\n"
    "    --dry-run               check the prerequisites and print the command\n"
    "    -w, --wait[=SECS]       wait for the daemon to start or stop (default: 15 seconds)\n"
    "    --no-wait, -W           do not wait\n\n"
    "Exit codes: 0 done; 1 the command is not set, or the node keeps no daemon state;\n"
    "6 the local database cannot be reached (start); 27 the daemon is already running\n"
    "(start) or stopped (stop), the command failed, or the wait ran out.\n";

const CommandRegistration reg_daemon_start{
    {{"daemon", "start"}, "start the local failover daemon", kDaemonHelp, &daemon_start}};
const CommandRegistration reg_daemon_stop{
    {{"daemon", "stop"}, "stop the local failover daemon", kDaemonHelp, &daemon_stop}};

}  // namespace
}  // namespace pgwarden::cli
