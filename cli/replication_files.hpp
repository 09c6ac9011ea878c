// The files that make a stopped data directory start as a standby: the replication settings in
// postgresql.auto.conf and standby.signal, as repmgr 5.3 writes them on PostgreSQL 12 and later
// (standby clone after the copy, node rejoin before the start).
#pragma once

#include "standby_decisions.hpp"

#include "config/repmgr_config.hpp"

namespace pgwarden::cli::standby {

// Throws std::runtime_error when a file cannot be read or written.
void write_replication_config(const config::RepmgrConfig& config,
                              const ReplicationSettings& settings);

}  // namespace pgwarden::cli::standby
