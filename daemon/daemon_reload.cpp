// SIGHUP: re-read repmgr.conf, test a new conninfo off the loop, and either take the new file or
// keep the old one (the log file is reopened either way, as logrotate expects).
#include "daemon_loop.hpp"

#include "failover/settings.hpp"

namespace pgwarden::daemon {

void DaemonLoop::reload() {
    if (hooks_.notify)
        hooks_.notify("RELOADING=1");
    log::notice("received SIGHUP: reloading the configuration file \"{}\"", config_.config_file);
    const std::uint64_t generation = ++reload_generation_;
    config::RepmgrConfig fresh;
    try {
        fresh = hooks_.reload_config();
        if (fresh.node_id != config_.node_id)
            throw std::runtime_error(
                fmt::format("node_id cannot be changed by a reload (from {} to {})",
                            config_.node_id, fresh.node_id));
        if (fresh.node_name != config_.node_name)
            throw std::runtime_error(
                fmt::format("node_name cannot be changed by a reload (from \"{}\" to \"{}\")",
                            config_.node_name, fresh.node_name));
    } catch (const std::exception& e) {
        reject_reload(e.what());
        return;
    }
    if (fresh.conninfo == config_.conninfo) {
        apply_reload(std::move(fresh));
        return;
    }
    // A new conninfo must connect before it is taken; the test runs off the loop (it may take
    // connect_timeout), and a later SIGHUP supersedes this one.
    background(
        "testing the new conninfo",
        [fresh]() -> std::pair<config::RepmgrConfig, std::string> {
            std::string error;
            if (!open(fresh.conninfo, fresh, &error) && error.empty())
                error = "unknown error";
            return {fresh, error};
        },
        [this, generation](std::pair<config::RepmgrConfig, std::string> tested) {
            if (generation != reload_generation_)
                return;
            if (!tested.second.empty())
                reject_reload("the new conninfo does not connect: " + tested.second);
            else
                apply_reload(std::move(tested.first));
        },
        [this, generation](const std::string& why) {
            if (generation == reload_generation_)
                reject_reload("the new conninfo could not be tested: " + why);
        });
}

void DaemonLoop::reject_reload(const std::string& why) {
    log::error("configuration not reloaded, the current one stays in use: {}", why);
    // The log file is reopened all the same: logrotate sends SIGHUP for that.
    if (const auto error = log::open_file(config_.log_file))
        log::error("{}", *error);
    // repmgrd's event for a reload that did not take effect.
    record("repmgrd_config_reload", false,
           fmt::format("configuration file \"{}\" not reloaded: {}", config_.config_file, why));
    if (hooks_.notify)
        hooks_.notify("READY=1");
}

void DaemonLoop::apply_reload(config::RepmgrConfig fresh) {
    if (const auto error = log::open_file(fresh.log_file)) {
        log::error("{}; keeping the previous log destination", *error);
        fresh.log_file = config_.log_file;
        log::open_file(config_.log_file);
    }
    if (fresh.log_level)
        log::set_level(*fresh.log_level);
    config_ = std::move(fresh);
    if (standby_)
        standby_->reconfigure(
            failover::standby_timing(config_, hooks_.fencing.fence),
            failover::standby_policy(config_, mode_ == failover::DaemonMode::witness));
    if (primary_)
        primary_->reconfigure(failover::primary_timing(config_, hooks_.fencing.fence));
    log::notice("configuration file reloaded");
    log_status_later();
    record("repmgrd_reload", true,
           fmt::format("configuration file \"{}\" reloaded", config_.config_file));
    schedule();
    if (hooks_.notify)
        hooks_.notify("READY=1");
}

}  // namespace pgwarden::daemon
