// Logging in repmgr's shape: "[YYYY-MM-DD HH:MM:SS] [LEVEL] message", to stderr or log_file.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::log {

// repmgr's levels, most verbose first.
enum class Level { debug, info, notice, warning, error, alert, crit, emerg };

std::optional<Level> parse_level(std::string_view name);  // case-insensitive, as repmgr
std::string_view level_name(Level level);

// daemon: "[YYYY-MM-DD HH:MM:SS] [LEVEL] message", as repmgrd and a log_file.
// cli: "LEVEL: message" on stderr, as the repmgr command line prints.
// In both, a message starting "DETAIL: " or "HINT: " is shown as repmgr shows those lines:
// "[ts] [DETAIL] ..." or "DETAIL: ...".
enum class Style { daemon, cli };
void set_style(Style style);

void set_level(Level level);
Level level();
bool enabled(Level level);

// Sends log lines to `path` (append); an empty path means stderr. Called again on SIGHUP so
// logrotate's moved file is let go. Returns an error message, or nothing on success.
std::optional<std::string> open_file(const std::string& path);

// repmgr's log_facility: "STDERR" (or empty) keeps the file/stderr sink; LOCAL0..LOCAL7 and USER
// (case-insensitive) name a syslog facility. Nothing for anything else.
std::optional<int> syslog_facility(std::string_view name);
// Sends every line to syslog with `facility` from now on (ident "pgwardend"); log_file is then
// not used, as in repmgr.
void use_syslog(int facility);

// Writes one line; a "\nDETAIL: " or "\nHINT: " inside starts a line of its own. Any
// "password=..." in the message is masked first, so a conninfo can never leak a secret into a
// log, whoever formatted it.
void write(Level level, std::string_view message);

template <typename... Args>
void at(Level lvl, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(lvl))
        write(lvl, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    at(Level::debug, f, std::forward<Args>(args)...);
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    at(Level::info, f, std::forward<Args>(args)...);
}
template <typename... Args>
void notice(fmt::format_string<Args...> f, Args&&... args) {
    at(Level::notice, f, std::forward<Args>(args)...);
}
template <typename... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
    at(Level::warning, f, std::forward<Args>(args)...);
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    at(Level::error, f, std::forward<Args>(args)...);
}

}  // namespace pgwarden::log
