// standby clone --copy-external-config-files, as repmgr 5.3: the configuration files the source
// reads from outside its data directory (Debian's /etc/postgresql/NN/main/postgresql.conf,
// pg_hba.conf, pg_ident.conf, and any include file a setting comes from), which pg_basebackup
// does not copy, fetched over SSH to the same path (samepath) or into the clone's data directory
// (pgdata). repmgr runs rsync; pgwarden runs `cat` through the same ssh command line as its other
// remote calls (ssh_options, -R), so neither side needs rsync.
//
// repmgr's pgdata mode copies into the target directory before the backup as a trial, deletes
// the copies, and copies again after it; with -F that trial writes into (and deletes from) the
// old data directory before it is emptied, so a clone that stops in between leaves it damaged.
// pgwarden's trial before the backup fetches every file (and puts samepath files in place, as
// repmgr's does), so a copy that cannot work stops the clone before the backup; after
// pg_basebackup it fetches them again, as repmgr copies them again, and puts them in place: the
// files as they are when the clone ends. Fetched files are kept in memory: nothing of them
// stays on disk outside their destinations, even when the clone is killed during the backup.
#pragma once

#include "cli_options.hpp"
#include "standby_decisions.hpp"

#include "config/repmgr_config.hpp"
#include "pg/connection.hpp"

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pgwarden::cli::standby {

// One file's transfer is a few kilobytes; the bound covers a slow SSH login.
inline constexpr std::chrono::seconds kConfigCopyTimeout{60};

// A configuration file as fetched: its mode on the source host and its bytes.
struct FetchedFile {
    mode_t mode = 0;
    std::string contents;
};

struct ConfigFile {
    std::string path;  // on the source host
    bool in_data_directory = false;
    std::optional<FetchedFile> fetched;  // the last copy fetched; none yet, or it failed
};

// repmgr's get_configuration_file_locations: every file a setting comes from (pg_settings'
// sourcefile, sorted), then hba_file and ident_file (sorted); each marked when it lies inside
// the source's data directory, which pg_basebackup copies anyway. Needs a session that reads
// every setting. Throws pg::PgError.
std::vector<ConfigFile> config_file_locations(pg::Connection& source);

// `path` inside `data_directory` (the directory itself or below it, never a sibling such as
// /data2 for /data).
bool inside_directory(const std::string& path, const std::string& data_directory);

// Where a file lands on this host: its own path (samepath), or the data directory under its own
// name (pgdata).
std::string config_file_destination(const std::string& source_path, bool into_data_directory,
                                    const std::string& data_directory);

// The first two files outside the data directory that share a file name, which pgdata mode
// would copy to one path, the second over the first.
std::optional<std::pair<std::string, std::string>> same_name_files(
    const std::vector<ConfigFile>& files);

// Puts `file` at `destination` with its mode, making the directories it needs, through a
// temporary file beside it so that a failure leaves the destination as it was; leaves a
// destination that has the contents and mode already. The reason (what, where, errno's text)
// when it cannot.
std::optional<std::string> place_config_file(const FetchedFile& file,
                                             const std::string& destination);

// Makes `dir` and its parents; the reason (the directory and errno's text) when that fails.
std::optional<std::string> make_directory(const std::string& dir);

struct ConfigCopyPlan {
    std::string host;                  // -h: the host the files are read from
    std::string upstream_host;         // only names the host in the log, as repmgr's message does
    std::string remote_user;           // -R; empty: ssh's default
    bool into_data_directory = false;  // --copy-external-config-files=pgdata
    std::string data_directory;        // the clone's
    bool force = false;                // -F: a file that cannot be copied is no reason to stop
    std::vector<ConfigFile> files;
};

// The part before the backup, as repmgr: finds the files (as -S/--superuser when the source user
// cannot read every setting), refuses two of one name in pgdata mode, and when some lie outside
// the source's data directory checks SSH to the source host and fetches them, putting samepath
// files in place, so that a copy that cannot work stops the clone before the backup. Fills
// plan.files. Returns an exit code when the clone must stop.
std::optional<int> prepare_config_copy(pg::Connection& source, const ConninfoParams& source_params,
                                       const CliOptions& options,
                                       const config::RepmgrConfig& config, ConfigCopyPlan& plan);

// After pg_basebackup: fetches every file outside the source's data directory again and puts it
// at its destination (its own path, or the data directory). A file that cannot be fetched now is
// put in place as fetched before the backup, with a warning. Returns 0, or ERR_BAD_RSYNC (after
// repmgr's error naming the file) when one cannot be put in place and -F was not given.
int install_config_files(ConfigCopyPlan& plan, const config::RepmgrConfig& config);

}  // namespace pgwarden::cli::standby
