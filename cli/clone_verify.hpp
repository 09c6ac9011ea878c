// standby clone --verify-backup, as repmgr 5.3: pg_verifybackup checks the fresh copy against the
// backup_manifest pg_basebackup wrote (PostgreSQL 13 and later), before anything in it changes.
#pragma once

#include "config/repmgr_config.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::cli::standby {

// Backup manifests and pg_verifybackup arrived with PostgreSQL 13.
inline constexpr int kVerifyBackupMinVersion = 130000;
// pg_verifybackup reads every byte of the clone: bounded so that a hung disk cannot hold the
// command forever, generous so that a clone of several terabytes still finishes.
inline constexpr std::chrono::hours kVerifyBackupTimeout{12};

// False, after repmgr's error, when the source is older than PostgreSQL 13.
bool verify_backup_supported(int server_version_num);

// Where `program` (a pg_program answer) is: itself when it names a path and exists, else the
// first directory of `path_list` (PATH's form, ':'-separated) with an executable file of that
// name; nullopt when there is none.
std::optional<std::string> find_program(const std::string& program, std::string_view path_list);

// pg_verifybackup as pg_program finds it, when it is there; otherwise nullopt after repmgr's
// "unable to find expected binary" error. repmgr looks only after the whole backup; asked before
// anything is copied, a missing program costs nothing.
std::optional<std::string> verify_program(const config::RepmgrConfig& config);

// `program` (verify_program's) DATA_DIR. Returns repmgr's exit code: 0 when verified,
// ERR_BAD_BASEBACKUP when the clone has no manifest or does not verify, or verification outlasts
// kVerifyBackupTimeout.
int verify_clone(const std::string& program, const std::string& data_dir);

}  // namespace pgwarden::cli::standby
