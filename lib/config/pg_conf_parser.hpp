// Reads a file in PostgreSQL's configuration grammar the way repmgr 5.3 reads repmgr.conf:
// `name [=] value` lines, # comments, single-quoted strings, include / include_if_exists /
// include_dir. Returns entries as data; never logs.
#pragma once

#include "config/config_error.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::config {

// One `name = value` line. The name is kept as written: repmgr compares names case-sensitively
// (NODE_ID is an unknown parameter to it), unlike PostgreSQL, which folds them to lower case.
struct ConfigEntry {
    std::string name;
    std::string value;  // quotes removed, escapes resolved
    std::string file;   // the file the line is in (an included file's own path)
    int line = 0;
};

struct ParsedConfig {
    std::vector<ConfigEntry> entries;   // in reading order; for a repeated name the last one wins
    std::vector<std::string> warnings;  // "file:line: ..." for things skipped but not fatal
    std::vector<ConfigProblem> errors;  // only with ParseOptions::collect_errors
};

struct ParseOptions {
    // false: an include directive is an error (for parsing untrusted text without touching the
    // file system, e.g. under a fuzzer).
    bool follow_includes = true;
    // true: syntax and include problems are returned in ParsedConfig::errors instead of thrown,
    // so a caller can report them together with its own (an unreadable main file still throws).
    bool collect_errors = false;
};

// repmgr 5.3.3 lets the main file include five levels deep (PostgreSQL allows ten): its
// depth counter goes up twice per level. A sixth level is an error, as there.
inline constexpr int kMaxIncludeDepth = 5;
// repmgr.conf is a few kilobytes; the cap stops `include '/dev/zero'`-style accidents.
inline constexpr std::size_t kMaxConfigFileBytes = 16 * 1024 * 1024;
// As guc-file.l: stop reporting after this many syntax errors in one file.
inline constexpr int kMaxSyntaxErrorsPerFile = 100;

// Reads `path` and everything it includes. Throws ConfigError: "<path>: could not open: <why>"
// when the file itself cannot be read, otherwise every syntax and include problem found, each
// "<file>:<line>: <reason>".
ParsedConfig parse_pg_conf_file(const std::string& path, const ParseOptions& options = {});

// Same, for text already in memory; `file` names it in messages, and relative includes are
// resolved against its directory.
ParsedConfig parse_pg_conf_text(std::string_view text, const std::string& file,
                                const ParseOptions& options = {});

}  // namespace pgwarden::config
