// pgwardend: the repmgrd drop-in. Start-up in repmgrd's order (options, repmgr.conf, the local
// node, the PID file, the background), then the loop until SIGTERM.
#include "daemon_loop.hpp"
#include "daemon_options.hpp"
#include "daemonize.hpp"
#include "pid_file.hpp"
#include "signals.hpp"
#include "startup.hpp"
#include "systemd_notify.hpp"
#include "wal_receiver.hpp"

#include "config/config_error.hpp"
#include "lease/lease_file.hpp"
#include "log/log.hpp"

#include <boost/asio/io_context.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

using namespace pgwarden;
using namespace pgwarden::daemon;

namespace {

int run(const DaemonOptions& options) {
    log::set_style(log::Style::daemon);
    ConfigOverrides overrides;
    overrides.config_file = options.config_file;
    if (options.log_level)
        overrides.log_level = std::string(log::level_name(*options.log_level));
    overrides.verbose = options.verbose;
    overrides.monitoring_history = options.monitoring_history;

    config::RepmgrConfig config;
    try {
        config = load_daemon_config(overrides);
    } catch (const config::ConfigError& e) {
        log::error("{}", e.what());
        return model::kErrBadConfig;
    } catch (const StartupError& e) {
        log::error("{}", e.what());
        return e.exit_code();
    }
    FencingSettings fencing;
    try {
        fencing = load_fencing_settings(options.ini_file);
    } catch (const config::ConfigError& e) {
        log::error("{}", e.what());
        return model::kErrBadConfig;
    }
    // Without a lease the probe of a pgwardend cluster could not fail safe: refuse to start.
    if (const auto error = lease::check_lease_directory(fencing.lease_directory);
        error && fencing.fence.action != failover::FenceAction::off) {
        log::error(
            "the lease for pgwarden-probe cannot be written: {}\n"
            "HINT: create \"{}\" owned by the user pgwardend runs as (the systemd unit's "
            "StateDirectory=pgwarden does), or set lease-directory in pgwarden.ini [daemon]",
            *error, fencing.lease_directory);
        return model::kErrBadConfig;
    }
    const auto pid_choice =
        choose_pid_file(options, config.repmgrd_pid_file, std::getenv("TMPDIR"));
    if (options.show_pid_file) {
        std::fputs(show_pid_file_text(pid_choice).c_str(), stdout);
        return model::kSuccess;
    }
    if (config.log_level)
        log::set_level(*config.log_level);
    if (!config.log_facility.empty() && config.log_facility != "STDERR") {
        const auto facility = log::syslog_facility(config.log_facility);
        if (!facility) {
            log::error("{}: log_facility \"{}\" is not STDERR, USER or LOCAL0..LOCAL7",
                       config::source_of(config, "log_facility"), config.log_facility);
            return model::kErrBadConfig;
        }
        log::use_syslog(*facility);
    } else if (const auto error = log::open_file(config.log_file)) {
        log::error("{}", *error);
        return model::kErrBadConfig;
    }

    log::notice("pgwardend {} (repmgrd 5.3 compatible) starting up", PGWARDEN_VERSION);
    log::info("configuration file is \"{}\"", config.config_file);
    log::info("fencing: fence-action={} fence-timeout={}s fence-margin={}s, lease in \"{}\"",
              failover::fence_action_name(fencing.fence.action), fencing.fence.timeout.count(),
              fencing.fence.balancer_margin.count(), fencing.lease_directory);
    log_unimplemented_settings(config);
    if (pid_choice.warning)
        log::warning("{}", *pid_choice.warning);

    // Declared before the PID file, so a held SIGTERM arrives only after the file is removed.
    std::optional<StartupSignalHold> signal_hold(std::in_place);
    SystemdNotifier notifier = SystemdNotifier::from_environment();
    Daemonizer daemonizer;
    if (options.daemonize)
        daemonizer.detach(daemon_working_directory(config.config_file));

    std::optional<PidFile> pid_file;
    PreparedNode node;
    try {
        if (pid_choice.path)
            pid_file.emplace(*pid_choice.path);
        node = prepare_node(config);
    } catch (const PidFileError& e) {
        log::error("{}", e.what());
        daemonizer.fail(fmt::format("pgwardend: {}\n", e.what()), model::kErrBadPidfile);
        return model::kErrBadPidfile;
    } catch (const StartupError& e) {
        log::error("{}", e.what());
        daemonizer.fail(fmt::format("pgwardend: {}\n", e.what()), e.exit_code());
        return e.exit_code();
    }
    if (node.mode == failover::DaemonMode::standby && config.standby_disconnect_on_failover)
        thaw_left_over_freeze(config);
    publish_daemon(config, static_cast<int>(::getpid()), pid_choice.path.value_or(""),
                   node.monitored_upstream_id);
    // Cleared however run() ends, a throw from the loop included, as the PID file is.
    struct Unpublish {
        const config::RepmgrConfig& config;
        ~Unpublish() {
            try {
                unpublish_daemon(config);
            } catch (const std::exception& e) {
                log::debug("unable to clear the daemon's PID: {}", e.what());
            }
        }
    } unpublish{config};

    boost::asio::io_context io;
    const std::string config_file = config.config_file;
    DaemonHooks hooks;
    hooks.pid_file = pid_choice.path.value_or("");
    hooks.fencing = fencing;
    hooks.reload_config = [overrides, config_file] {
        auto again = overrides;
        again.config_file = config_file;
        return load_daemon_config(again);
    };
    hooks.notify = [&notifier](const std::string& state) {
        if (const auto error = notifier.notify(state))
            log::warning("systemd notification failed: {}", *error);
    };
    DaemonLoop loop(io, config, node, hooks);
    SignalWatcher signals(io, [&loop](SignalAction action, int signal_number) {
        if (action == SignalAction::reload)
            loop.reload();
        else
            loop.stop(model::kSuccess,
                      signal_number == SIGINT ? "INT signal received" : "TERM signal received");
    });
    signal_hold.reset();  // what arrived during start-up reaches the watcher now
    loop.start();
    daemonizer.ready();
    io.run();
    signals.cancel();
    return loop.exit_code();
}

}  // namespace

int main(int argc, char* argv[]) {
    const auto parsed = parse_daemon_options(argc, argv);
    if (parsed.exit) {
        std::fputs(parsed.exit->out.c_str(), stdout);
        std::fputs(parsed.exit->err.c_str(), stderr);
        return parsed.exit->code;
    }
    try {
        return run(*parsed.options);
    } catch (const std::exception& e) {
        log::error("pgwardend: {}", e.what());
        return model::kErrSysFailure;
    }
}
