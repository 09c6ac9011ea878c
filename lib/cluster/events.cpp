// record_event: the events row first, then the notification command, as repmgr's _create_event.
#include "cluster/events.hpp"

#include "exec/placeholders.hpp"
#include "exec/shell.hpp"
#include "log/log.hpp"

#include <fmt/chrono.h>

#include <algorithm>
#include <ctime>

namespace pgwarden::cluster {
namespace {

// Local time in repmgr's format for when no row was written: "%Y-%m-%d %H:%M:%S%z".
std::string local_timestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S%z", &local);
    return buffer;
}

std::optional<std::string> insert_event(pg::Connection& conn, const Event& event) {
    // A standby cannot take the row; repmgr's insert would fail there anyway.
    if (conn.exec("SELECT pg_catalog.pg_is_in_recovery()").value(0, 0) == "t") {
        log::debug("not recording event \"{}\": \"{}\" is in recovery", event.event,
                   conn.conninfo());
        return std::nullopt;
    }
    auto result = conn.exec(
        "INSERT INTO repmgr.events (node_id, event, successful, details)"
        " VALUES ($1, $2, $3, $4) RETURNING event_timestamp",
        // Empty details are written as '' (repmgr writes NULL only for the events it passes no
        // details for at all, e.g. cluster_created; the header has no way to say that).
        {std::to_string(event.node_id), event.event, event.successful ? "TRUE" : "FALSE",
         event.details});
    return std::string(result.value(0, 0));
}

bool notification_wanted(const config::RepmgrConfig& config, const std::string& event) {
    return config.event_notifications.empty() ||
           std::find(config.event_notifications.begin(), config.event_notifications.end(), event) !=
               config.event_notifications.end();
}

}  // namespace

std::string insert_event_row(pg::Connection* conn, const Event& event) {
    std::string timestamp;
    if (conn != nullptr) {
        try {
            if (auto written = insert_event(*conn, event))
                timestamp = std::move(*written);
        } catch (const std::exception& e) {
            log::warning("unable to create event \"{}\" for node {}: {}", event.event,
                         event.node_id, e.what());
        }
    }
    if (timestamp.empty())
        timestamp = local_timestamp();
    log::debug("record_event(): event timestamp is \"{}\"", timestamp);
    return timestamp;
}

void notify_event(const config::RepmgrConfig& config, const Event& event,
                  const std::string& timestamp) {
    if (config.event_notification_command.empty())
        return;
    if (!notification_wanted(config, event.event)) {
        log::debug("not executing notification script for event type \"{}\"", event.event);
        return;
    }
    try {
        const auto command = exec::expand_event_command(
            config.event_notification_command,
            exec::EventPlaceholders{event.node_id, event.event, event.successful, timestamp,
                                    event.details, event.other_node_id, event.other_conninfo,
                                    event.other_node_name});
        log::info("executing notification command for event \"{}\"", event.event);
        log::info("DETAIL: command is:\n  {}", command.command);
        const auto outcome = exec::run_shell(command);
        if (!outcome.ok()) {
            log::warning("unable to execute event notification command{}",
                         outcome.timed_out       ? fmt::format(" (killed after {}s)",
                                                               exec::kDefaultCommandTimeout.count())
                         : outcome.error.empty() ? fmt::format(" (exit code {})", outcome.exit_code)
                                                 : fmt::format(": {}", outcome.error));
            log::warning("DETAIL: parsed event notification command was:\n  {}", command.command);
        }
    } catch (const std::exception& e) {
        log::warning("unable to execute event notification command: {}", e.what());
    }
}

std::string record_event(pg::Connection* conn, const config::RepmgrConfig& config,
                         const Event& event) {
    const std::string timestamp = insert_event_row(conn, event);
    notify_event(config, event, timestamp);
    return timestamp;
}

}  // namespace pgwarden::cluster
