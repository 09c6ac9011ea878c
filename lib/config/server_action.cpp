// repmgr 5.3's server commands (repmgr-client.c get_server_action), byte for byte: its two
// spaces when pg_ctl_options is empty, and the data directory always in single quotes.
#include "config/server_action.hpp"

#include "text/shell_quote.hpp"

#include <fmt/format.h>

#include <strings.h>

namespace pgwarden::config {
namespace {

// repmgr's make_pg_path: pg_bindir (-b or repmgr.conf) with a slash, else PATH. Unlike
// standby::pg_program there is no Debian fallback: the printed command must be repmgr's.
std::string pg_path(const RepmgrConfig& config, const char* program) {
    if (config.pg_bindir.empty())
        return program;
    std::string dir = config.pg_bindir;
    if (dir.back() != '/')
        dir += '/';
    return dir + program;
}

const std::string& service_command(ServerAction action, const RepmgrConfig& config) {
    static const std::string none;
    switch (action) {
        case ServerAction::start:
            return config.service_start_command;
        case ServerAction::stop:
        case ServerAction::stop_wait:
            return config.service_stop_command;
        case ServerAction::restart:
            return config.service_restart_command;
        case ServerAction::reload:
            return config.service_reload_command;
        case ServerAction::promote:
            return config.service_promote_command;
        case ServerAction::none:
            break;
    }
    return none;
}

}  // namespace

std::optional<ServerAction> parse_server_action(std::string_view name) {
    if (name.empty())
        return ServerAction::none;
    constexpr std::pair<const char*, ServerAction> kNames[] = {
        {"start", ServerAction::start},     {"stop", ServerAction::stop},
        {"restart", ServerAction::restart}, {"reload", ServerAction::reload},
        {"promote", ServerAction::promote},
    };
    for (const auto& [word, action] : kNames) {
        const std::string candidate(name);
        if (strcasecmp(candidate.c_str(), word) == 0)
            return action;
    }
    return std::nullopt;
}

bool data_dir_required(ServerAction action, const RepmgrConfig& config) {
    return action != ServerAction::none && service_command(action, config).empty();
}

std::string pg_ctl_directory(const RepmgrConfig& config) {
    return config.config_directory.empty() ? config.data_directory : config.config_directory;
}

std::string server_action_command(ServerAction action, const RepmgrConfig& config,
                                  const std::string& data_dir) {
    if (action == ServerAction::none)
        return "";
    if (const auto& command = service_command(action, config); !command.empty())
        return command;
    const std::string pg_ctl = pg_path(config, "pg_ctl");
    const std::string dir = text::shell_quote(data_dir.empty() ? "(none provided)" : data_dir);
    const std::string& options = config.pg_ctl_options;
    switch (action) {
        case ServerAction::stop:
        case ServerAction::stop_wait:
            return fmt::format("{} {} -D {} {} -m fast stop", pg_ctl, options, dir,
                               action == ServerAction::stop_wait ? "-w" : "-W");
        case ServerAction::start:
            return fmt::format("{} {} -w -D {} start", pg_ctl, options, dir);
        case ServerAction::restart:
            return fmt::format("{} {} -w -D {} restart", pg_ctl, options, dir);
        case ServerAction::reload:
            return fmt::format("{} {} -w -D {} reload", pg_ctl, options, dir);
        case ServerAction::promote:
            return fmt::format("{} {} -w -D {} promote", pg_ctl, options, dir);
        case ServerAction::none:
            break;
    }
    return "";
}

std::string list_server_actions(ServerAction action, const RepmgrConfig& config) {
    bool any_needs_dir = false;
    for (const auto each : {ServerAction::start, ServerAction::stop, ServerAction::restart,
                            ServerAction::reload, ServerAction::promote})
        any_needs_dir = any_needs_dir || data_dir_required(each, config);
    const std::string dir = any_needs_dir ? pg_ctl_directory(config) : "";
    if (action != ServerAction::none)
        return server_action_command(action, config, dir) + "\n";
    std::string out = "Following commands would be executed for each action:\n\n";
    constexpr std::pair<const char*, ServerAction> kRows[] = {
        {"    start", ServerAction::start},   {"     stop", ServerAction::stop},
        {"  restart", ServerAction::restart}, {"   reload", ServerAction::reload},
        {"  promote", ServerAction::promote},
    };
    for (const auto& [label, each] : kRows)
        out += fmt::format("{}: \"{}\"\n", label, server_action_command(each, config, dir));
    return out + "\n";
}

}  // namespace pgwarden::config
