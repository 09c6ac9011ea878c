#include "global_options.hpp"

#include "config/config_error.hpp"
#include "log/log.hpp"
#include "model/exit_codes.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cli {

std::vector<std::string> command_line_warnings(const CliOptions& options) {
    return command_line_problems(options, false).warnings;
}

CommandLineProblems command_line_problems(const CliOptions& options, bool barman_host_set,
                                          bool config_directory_set) {
    CommandLineProblems problems;
    // repmgr 5.3 still takes these two, and says so, from its getopt loop: before the rest.
    if (options.remote_config_file)
        problems.warnings.emplace_back("--remote-config-file is no longer required");
    if (options.check_upstream_config)
        problems.warnings.emplace_back(
            "--check-upstream-config is deprecated; use --dry-run instead");
    if (const auto action = repmgr_action(options.words)) {
        auto given = given_options(options, barman_host_set);
        given.config_directory = config_directory_set;
        auto checked = check_cli_parameters(*action, given);
        problems.errors = std::move(checked.errors);
        problems.warnings.insert(problems.warnings.end(), checked.warnings.begin(),
                                 checked.warnings.end());
    }
    return problems;
}

std::string command_line_errors_text(const std::vector<std::string>& errors,
                                     const std::string& group) {
    std::string text = "The following command line errors were encountered:\n";
    for (const auto& error : errors)
        text += "  " + error + "\n";
    return text + "Try \"pgwarden --help\" or \"pgwarden " + group +
           " --help\" for more information.\n";
}

void apply_config_overrides(const CliOptions& options, config::RepmgrConfig& config) {
    const auto problems = command_line_problems(options, !config.barman_host.empty(),
                                                !config.config_directory.empty());
    if (!problems.errors.empty()) {
        throw CommandLineErrors(command_line_errors_text(
            problems.errors, options.words.empty() ? "" : options.words.front()));
    }
    if (options.pg_bindir)
        config.pg_bindir = *options.pg_bindir;
    if (problems.warnings.empty() || options.terse)
        return;
    // repmgr prints these before its logger takes -L or -q, so neither silences them.
    log::write(log::Level::warning, "following problems with command line parameters detected:");
    for (const auto& warning : problems.warnings)
        std::fprintf(stderr, "  %s\n", warning.c_str());
}

void log_to_config_file(const config::RepmgrConfig& config) {
    log::set_style(log::Style::daemon);
    if (!config.log_facility.empty() && config.log_facility != "STDERR") {
        const auto facility = log::syslog_facility(config.log_facility);
        if (!facility) {
            throw config::ConfigError(config.config_file, 0,
                                      "log_facility " +
                                          config::quote_for_message(config.log_facility) +
                                          " is not STDERR, USER or LOCAL0..LOCAL7");
        }
        log::use_syslog(*facility);
        return;
    }
    if (!config.log_file.empty()) {
        log::notice("redirecting logging output to \"{}\"", config.log_file);
        std::fputs("\n", stderr);  // repmgr's notice is followed by an empty line
    }
    if (const auto error = log::open_file(config.log_file))
        throw config::ConfigError(config.config_file, 0, *error);
}

int dump_config(const CliOptions& options) {
    config::RepmgrConfig config;
    std::optional<std::string> path;
    if (options.config_file) {
        path = config::locate_repmgr_conf(options.config_file);
    } else {
        try {
            path = config::locate_repmgr_conf(std::nullopt);
        } catch (const config::ConfigError& e) {
            log::debug("no repmgr.conf found, the defaults follow: {}", e.what());
        }
    }
    if (path) {
        config = config::load_repmgr_conf(*path);
    } else {
        config.repmgrd_standby_startup_timeout = config.standby_reconnect_timeout;
    }
    // repmgr reads the file first (its errors win), then refuses a command; -b, -D and the rest
    // change nothing in what it prints.
    if (!options.words.empty()) {
        std::fputs("--dump-config cannot be used in combination with a repmgr command\n", stderr);
        return model::kErrBadConfig;
    }
    std::fputs(config::dump_repmgr_config(config).c_str(), stdout);
    return model::kSuccess;
}

}  // namespace pgwarden::cli
