// The I/O standby clone / promote / follow share: config loading, finding the primary, replication
// protocol queries, slots, running programs, and repmgr-style DETAIL/HINT lines.
#pragma once

#include "cli_options.hpp"
#include "cluster/attach_facts.hpp"
#include "cluster/connect.hpp"
#include "register_support.hpp"

#include "cluster/node_record.hpp"
#include "config/pg_programs.hpp"
#include "config/repmgr_config.hpp"
#include "log/log.hpp"
#include "pg/connection.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cli::standby {

// -f, or repmgr's search order; throws config::ConfigError. With --dry-run, logs at INFO.
config::RepmgrConfig load_config(const CliOptions& options);

// Shared with primary/standby register: repmgr's DETAIL/HINT lines and slot names.
using reg::detail;
using reg::hint;
using reg::slot_name_for;

// nullopt when the connection fails (the reason goes to the log at `level` when given).
using cluster::try_connect;

struct ReachablePrimary {
    int node_id = 0;
    pg::Connection conn;
};
// The first registered node (active primaries first) that accepts a connection and is not in
// recovery, skipping `skip_node_id`; as repmgr's get_primary_connection.
std::optional<ReachablePrimary> find_reachable_primary(
    const std::vector<cluster::NodeRecord>& nodes, std::optional<int> skip_node_id);

// The active record of type primary, if any.
std::optional<cluster::NodeRecord> primary_record(const std::vector<cluster::NodeRecord>& nodes);

// True when `upstream`'s pg_stat_replication shows application_name = node_name streaming.
bool is_attached(pg::Connection& upstream, const std::string& node_name);

// Creates the physical slot unless it exists; false (with an ERROR logged) when it exists and is
// in use by another walreceiver.
bool ensure_slot(pg::Connection& conn, const std::string& slot_name, const std::string& where);
// Drops the slot when it exists and is inactive; failures are warnings.
void drop_inactive_slot(pg::Connection& conn, const std::string& slot_name);

// pg_bindir/<name>, else the server's own directory (config/pg_programs.hpp).
using config::pg_program;

// Runs argv (no shell), stdout/stderr inherited; returns the exit status (128+N on signal N,
// 127 when the program cannot be run).
int run_program(const std::vector<std::string>& argv);

std::string read_text_file(const std::string& path);
// Writes through a temporary file and rename, so a crash leaves the old or the new file.
void write_text_file(const std::string& path, const std::string& content);

}  // namespace pgwarden::cli::standby
