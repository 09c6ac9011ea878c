#include "global_options.hpp"

#include "config/config_error.hpp"
#include "log/log.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

namespace pgwarden::cli {

namespace {

bool starts_with(const std::vector<std::string>& words, const std::vector<std::string>& command) {
    return words.size() >= command.size() &&
           std::equal(command.begin(), command.end(), words.begin());
}

// The commands repmgr 5.3 accepts -D/--pgdata for (check_cli_parameters); the rest warn.
// None of them reads it when a repmgr.conf is given: they run on data_directory.
bool accepts_pgdata(const std::vector<std::string>& words) {
    static const std::vector<std::vector<std::string>> readers = {
        {"standby", "clone"}, {"standby", "follow"}, {"node", "service"}};
    for (const auto& reader : readers) {
        if (starts_with(words, reader))
            return true;
    }
    return false;
}

// repmgr's action_name(): "NODE CHECK"; `master` is repmgr's PRIMARY.
std::string action_name(const std::vector<std::string>& words) {
    std::string name;
    for (std::size_t i = 0; i < words.size() && i < 2; ++i) {
        std::string word = i == 0 && words[i] == "master" ? "primary" : words[i];
        for (auto& c : word)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        name += (name.empty() ? "" : " ") + word;
    }
    return name;
}

}  // namespace

void apply_config_overrides(const CliOptions& options, config::RepmgrConfig& config) {
    if (options.pg_bindir)
        config.pg_bindir = *options.pg_bindir;
    if (!options.pgdata || options.terse)
        return;
    // repmgr's clone takes -D as its destination only without a repmgr.conf, which pgwarden
    // always reads; so, as repmgr's with one, it says -D is ignored.
    if (starts_with(options.words, {"standby", "clone"})) {
        log::warning("following problems with command line parameters detected:");
        std::fputs("  -D/--pgdata will be ignored if a repmgr configuration file is provided\n",
                   stderr);
    } else if (!accepts_pgdata(options.words)) {
        log::warning("following problems with command line parameters detected:");
        std::fprintf(stderr, "  -D/--pgdata not required when executing %s\n",
                     action_name(options.words).c_str());
    }
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

}  // namespace pgwarden::cli
