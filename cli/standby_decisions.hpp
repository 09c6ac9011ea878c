// Pure pieces of standby clone / promote / follow: the replication settings a standby gets, the
// pg_basebackup command line, bounded polling (whether a node can attach lives in failover/attach).
// No libpq connections, no files, no clock: the commands in cli/commands/ do the I/O.
#pragma once

#include "config/repmgr_values.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgwarden::cli::standby {

using ConninfoParams = std::vector<std::pair<std::string, std::string>>;

// The keywords of a libpq conninfo (key=value form or URI) in libpq's order, only those set.
// Throws std::invalid_argument with libpq's reason when it cannot be parsed.
ConninfoParams parse_conninfo(const std::string& conninfo);

// key=value form, values quoted the way libpq reads them back (empty, spaces, quotes, '\').
std::string format_conninfo(const ConninfoParams& params);

// Sets (replacing) or adds one keyword.
void set_param(ConninfoParams& params, const std::string& key, const std::string& value);
std::optional<std::string> get_param(const ConninfoParams& params, std::string_view key);

// How primary_conninfo is built, from repmgr.conf.
struct PrimaryConninfoOptions {
    std::string node_name;       // becomes application_name
    std::string repl_user;       // replaces the user when not empty
    bool keep_password = false;  // use_primary_conninfo_password
    std::string passfile;        // passfile, added when set
};

// primary_conninfo for a standby of the node whose conninfo is `upstream_conninfo`, as repmgr
// writes it: the upstream's connection keywords without dbname (and without any
// application_name or replication keyword it carried), without the password unless
// use_primary_conninfo_password (the standby should read it from a passfile), user =
// repl_user when given, and application_name = this standby's node_name, which is how the
// primary's pg_stat_replication (and repmgr's "attached" check) recognises it.
std::string build_primary_conninfo(const std::string& upstream_conninfo,
                                   const PrimaryConninfoOptions& options);

// A postgresql.conf value in single quotes, with ' doubled and \ escaped.
std::string quote_conf_value(std::string_view value);

// postgresql.auto.conf with every line setting one of `settings`' keys removed and the settings
// appended (key = 'value'), as repmgr does on PostgreSQL 12 and later.
std::string rewrite_auto_conf(std::string_view old_text, const ConninfoParams& settings);

// The settings repmgr puts in postgresql.auto.conf for a standby (besides standby.signal).
struct ReplicationSettings {
    std::string primary_conninfo;
    std::optional<std::string> primary_slot_name;
    std::string restore_command;           // from repmgr.conf; written only when set
    std::string archive_cleanup_command;   // idem
    std::string recovery_min_apply_delay;  // idem
};
ConninfoParams replication_settings_lines(const ReplicationSettings& settings);

struct BasebackupPlan {
    std::string pg_basebackup;  // the program, with its directory
    std::string data_directory;
    ConninfoParams source;  // host, port, user from the command line (what was given)
    bool fast_checkpoint = false;
    std::optional<std::string> slot_name;
    std::vector<config::TablespaceMapping> tablespace_mapping;  // repmgr.conf's, in file order
    std::string extra_options;  // repmgr.conf pg_basebackup_options, split on white space
};
// pg_basebackup -l "repmgr base backup" -D DIR -h H -p P -U U [-c fast] [-T OLD=NEW ...]
// -X stream [-S slot] ...
std::vector<std::string> basebackup_argv(const BasebackupPlan& plan);

// One mapping as pg_basebackup's -T value: OLD=NEW with each '=' inside a directory written
// "\=", the escape pg_basebackup (and repmgr.conf) read. repmgr 5.3 pastes the directories bare,
// so a directory with '=' or a space breaks its command line; ours is an argv, and escaped.
std::string tablespace_mapping_arg(const config::TablespaceMapping& mapping);

// White-space separated words; 'single' and "double" quotes group words (no escapes).
std::vector<std::string> split_words(std::string_view text);

// repmgr's waiting loops: check, sleep `interval`, until `timeout` has been spent; one last check
// at the end. Returns true as soon as `done` does. `sleep` is injected so tests take no time.
// Callers whose wait ends a failover poll in kQuickPoll steps rather than repmgr's whole
// seconds: the same bound, the answer up to a second sooner.
inline constexpr std::chrono::milliseconds kQuickPoll{100};
bool poll_until(std::chrono::milliseconds timeout, std::chrono::milliseconds interval,
                const std::function<bool()>& done,
                const std::function<void(std::chrono::milliseconds)>& sleep);

}  // namespace pgwarden::cli::standby
