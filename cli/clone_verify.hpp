// standby clone --verify-backup, as repmgr 5.3: pg_verifybackup checks the fresh copy against the
// backup_manifest pg_basebackup wrote (PostgreSQL 13 and later), before anything in it changes.
#pragma once

#include "config/repmgr_config.hpp"

#include <chrono>
#include <string>

namespace pgwarden::cli::standby {

// Backup manifests and pg_verifybackup arrived with PostgreSQL 13.
inline constexpr int kVerifyBackupMinVersion = 130000;
// pg_verifybackup reads every byte of the clone: bounded so that a hung disk cannot hold the
// command forever, generous so that a clone of several terabytes still finishes.
inline constexpr std::chrono::hours kVerifyBackupTimeout{12};

// False, after repmgr's error, when the source is older than PostgreSQL 13.
bool verify_backup_supported(int server_version_num);

// pg_verifybackup DATA_DIR (pg_bindir's, as pg_basebackup). Returns repmgr's exit code: 0 when
// verified, ERR_BAD_CONFIG when the program is missing, ERR_BAD_BASEBACKUP when the clone has no
// manifest or does not verify, or verification outlasts kVerifyBackupTimeout.
int verify_clone(const config::RepmgrConfig& config, const std::string& data_dir);

}  // namespace pgwarden::cli::standby
