#include "config/pg_programs.hpp"

#include "text/shell_quote.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace pgwarden::config {
namespace {
constexpr const char* kDebianBinDir = "/usr/lib/postgresql/15/bin";
}  // namespace

std::string pg_program(const RepmgrConfig& config, const std::string& name) {
    if (!config.pg_bindir.empty()) {
        std::string dir = config.pg_bindir;
        if (dir.back() != '/')
            dir += '/';
        return dir + name;
    }
    const std::string debian = fmt::format("{}/{}", kDebianBinDir, name);
    if (access(debian.c_str(), X_OK) == 0)
        return debian;
    return name;
}

}  // namespace pgwarden::config

namespace pgwarden::config {

std::string service_command(const RepmgrConfig& config, ServiceAction action) {
    const auto configured = [&]() -> const std::string& {
        switch (action) {
            case ServiceAction::start:
                return config.service_start_command;
            case ServiceAction::stop:
                return config.service_stop_command;
            case ServiceAction::restart:
                return config.service_restart_command;
            case ServiceAction::reload:
                return config.service_reload_command;
            case ServiceAction::promote:
                break;
        }
        return config.service_promote_command;
    }();
    if (!configured.empty())
        return configured;
    std::string command = pg_program(config, "pg_ctl");
    if (!config.pg_ctl_options.empty())
        command += " " + config.pg_ctl_options;
    command += " -D " + text::shell_quote(config.data_directory);
    switch (action) {
        case ServiceAction::start:
            return command + " -w start";
        case ServiceAction::stop:
            return fmt::format("{} -m fast -w -t {} stop", command, config.shutdown_check_timeout);
        case ServiceAction::restart:
            return command + " -m fast -w restart";
        case ServiceAction::reload:
            return command + " reload";
        case ServiceAction::promote:
            break;
    }
    return command + " -w promote";
}

}  // namespace pgwarden::config
