// How repmgr 5.3 reads one value of each type from repmgr.conf (configfile.c: repmgr_atoi,
// parse_bool, tablespace_list_append, parse_event_notifications_list, parse_time_unit_parameter).
#pragma once

#include <climits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::config {

// A value read, or why it could not be. `expected` completes "invalid value ... (<expected>)";
// `note` is set for input accepted only for compatibility, worth a warning.
template <typename T>
struct ValueResult {
    std::optional<T> value;
    std::string expected;
    std::string note;
};

struct TablespaceMapping {
    std::string old_dir;
    std::string new_dir;
};

// strtol(value, 10) as repmgr: leading whitespace and a sign are fine; text after the number is
// ignored ("5s" is 5, "0x10" is 0), which `note` points out. Unlike repmgr, an empty value and a
// value below INT_MIN are errors (repmgr reads them as 0 and as 2147483647), and so is a value
// above `max`.
ValueResult<int> parse_repmgr_int(const std::string& text, int min, int max = INT_MAX);

// on/off, true/false, yes/no, 1/0, any case, nothing else (no prefixes, no spaces).
ValueResult<bool> parse_repmgr_bool(std::string_view text);

// OLDDIR=NEWDIR, "\=" for an '=' inside a directory name; both sides canonicalized.
ValueResult<TablespaceMapping> parse_tablespace_mapping(std::string_view text);

// Comma-separated event names; spaces and tabs anywhere are dropped, empty items skipped.
std::vector<std::string> parse_event_list(std::string_view text);

// recovery_min_apply_delay: a non-negative integer, optionally followed by ms, s, min, h or d.
// Returns the `expected` text when the value is not one, nothing when it is.
std::optional<std::string> check_time_with_unit(const std::string& text);

// PostgreSQL's canonicalize_path: "//" collapsed, "." and ".." resolved as text, no trailing '/'.
std::string canonicalize_path(std::string_view path);

}  // namespace pgwarden::config
