#include "global_options.hpp"

#include "config/config_error.hpp"
#include "log/log.hpp"
#include "model/exit_codes.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cli {

namespace {

bool starts_with(const std::vector<std::string>& words, const std::vector<std::string>& command) {
    return words.size() >= command.size() &&
           std::equal(command.begin(), command.end(), words.begin());
}

bool one_of(const std::vector<std::string>& words,
            const std::vector<std::vector<std::string>>& commands) {
    return std::any_of(commands.begin(), commands.end(),
                       [&](const auto& command) { return starts_with(words, command); });
}

// The commands repmgr 5.3 accepts -D/--pgdata for (check_cli_parameters); the rest warn.
// None of them reads it when a repmgr.conf is given: they run on data_directory.
bool accepts_pgdata(const std::vector<std::string>& words) {
    return one_of(words, {{"standby", "clone"}, {"standby", "follow"}, {"node", "service"}});
}

// The commands repmgr 5.3 reads -S/--superuser for; the rest say it is ignored.
bool accepts_superuser(const std::vector<std::string>& words) {
    return one_of(words, {{"standby", "clone"},
                          {"standby", "switchover"},
                          {"node", "check"},
                          {"node", "rejoin"},
                          {"node", "service"}});
}

// repmgr's action_name(): "NODE CHECK"; `master` is repmgr's PRIMARY, and repmgr 4's
// `daemon status|pause|unpause` are its SERVICE ones.
std::string action_name(const std::vector<std::string>& words) {
    const bool service =
        one_of(words, {{"daemon", "status"}, {"daemon", "pause"}, {"daemon", "unpause"}});
    std::string name;
    for (std::size_t i = 0; i < words.size() && i < 2; ++i) {
        std::string word = i == 0 && words[i] == "master" ? "primary" : words[i];
        if (i == 0 && service)
            word = "service";
        for (auto& c : word)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        name += (name.empty() ? "" : " ") + word;
    }
    return name;
}

}  // namespace

std::vector<std::string> command_line_warnings(const CliOptions& options) {
    std::vector<std::string> warnings;
    // repmgr 5.3 still takes these two, and says so, from its getopt loop.
    if (options.remote_config_file)
        warnings.emplace_back("--remote-config-file is no longer required");
    if (options.check_upstream_config)
        warnings.emplace_back("--check-upstream-config is deprecated; use --dry-run instead");
    // repmgr's clone takes -D as its destination only without a repmgr.conf, which pgwarden
    // always reads; so, as repmgr's with one, it says -D is ignored.
    if (options.pgdata) {
        if (starts_with(options.words, {"standby", "clone"}))
            warnings.emplace_back(
                "-D/--pgdata will be ignored if a repmgr configuration file is provided");
        else if (!accepts_pgdata(options.words))
            warnings.push_back("-D/--pgdata not required when executing " +
                               action_name(options.words));
    }
    if (options.superuser && !accepts_superuser(options.words))
        warnings.push_back("--superuser ignored when executing " + action_name(options.words));
    if ((options.disable_wal_receiver || options.enable_wal_receiver) &&
        !starts_with(options.words, {"node", "control"}))
        warnings.push_back(
            "--disable-wal-receiver / --enable-wal-receiver not effective when executing " +
            action_name(options.words));
    return warnings;
}

void apply_config_overrides(const CliOptions& options, config::RepmgrConfig& config) {
    if (int{options.csv} + int{options.nagios} + int{options.optformat} > 1) {
        const std::string group = options.words.empty() ? "" : options.words.front();
        throw CommandLineErrors(
            "The following command line errors were encountered:\n"
            "  only one of --csv, --nagios and --optformat can be used\n"
            "Try \"pgwarden --help\" or \"pgwarden " +
            group + " --help\" for more information.\n");
    }
    if (options.pg_bindir)
        config.pg_bindir = *options.pg_bindir;
    const auto warnings = command_line_warnings(options);
    if (warnings.empty() || options.terse)
        return;
    log::warning("following problems with command line parameters detected:");
    for (const auto& warning : warnings)
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
