// standby clone --copy-external-config-files, as repmgr 5.3: the configuration files the source
// reads from outside its data directory (Debian's /etc/postgresql/NN/main/postgresql.conf,
// pg_hba.conf, pg_ident.conf, and any include file a setting comes from), which pg_basebackup
// does not copy, fetched over SSH to the same path (samepath) or into the clone's data directory
// (pgdata). repmgr runs rsync; pgwarden runs `cat` through the same ssh command line as its other
// remote calls (ssh_options, -R), so neither side needs rsync.
#pragma once

#include "cli_options.hpp"
#include "standby_decisions.hpp"

#include "config/repmgr_config.hpp"
#include "pg/connection.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cli::standby {

// One file's transfer is a few kilobytes; the bound covers a slow SSH login.
inline constexpr std::chrono::seconds kConfigCopyTimeout{60};

struct ConfigFile {
    std::string path;  // on the source host
    bool in_data_directory = false;
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

struct ConfigCopyPlan {
    std::string host;                  // -h: the host the files are read from
    std::string upstream_host;         // only names the host in the log, as repmgr's message does
    std::string remote_user;           // -R; empty: ssh's default
    bool into_data_directory = false;  // --copy-external-config-files=pgdata
    std::string data_directory;        // the clone's
    bool force = false;                // -F: a file that cannot be copied is no reason to stop
    std::vector<ConfigFile> files;
};

// Copies the files of `plan` outside the source's data directory. Returns 0, or ERR_BAD_RSYNC
// (after repmgr's error naming the file) when one cannot be copied and -F was not given.
// `trial`: each copy is removed again, to learn before the backup that copying works.
int copy_config_files(const ConfigCopyPlan& plan, const config::RepmgrConfig& config, bool trial);

// The part before the backup, as repmgr: finds the files (as -S/--superuser when the source user
// cannot read every setting), and when some lie outside the source's data directory checks SSH
// to the source host and copies them: for good (samepath), or once and removed again (pgdata),
// so that a copy that cannot work stops the clone before the backup. Fills plan.files. Returns an
// exit code when the clone must stop.
std::optional<int> prepare_config_copy(pg::Connection& source, const ConninfoParams& source_params,
                                       const CliOptions& options,
                                       const config::RepmgrConfig& config, ConfigCopyPlan& plan);

}  // namespace pgwarden::cli::standby
