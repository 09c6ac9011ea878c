// The hidden node status / node check options repmgr 5.3's standby switchover runs on the other
// node through ssh, answering in its "--name=VALUE" form (optformat):
//   node status --is-shutdown-cleanly            --state=UP|SHUTDOWN --last-checkpoint-lsn=X/Y|...
//   node check --archive-ready --optformat       --status=OK --files=0 [--threshold=N]
//   node check --replication-connection --remote-node-id=N    --connection=OK|BAD|...
//   node check --db-connection --optformat       --db-connection=OK|CRITICAL
#pragma once

#include "node_check.hpp"
#include "node_rejoin_plan.hpp"

#include "config/repmgr_config.hpp"
#include "model/lsn.hpp"

#include <optional>
#include <string>

namespace pgwarden::cli {

// repmgr's NodeStatus as --is-shutdown-cleanly names it.
enum class ShutdownState { up, shutting_down, shutdown, unclean_shutdown, unknown };

// Pure: repmgr's reading of the data directory (`pg_dir`: PG_VERSION is there), whether the
// server answers PQping (OK or REJECT), and pg_control (nullopt: unreadable).
ShutdownState shutdown_state(bool pg_dir, bool answers,
                             const std::optional<rejoin::ControlData>& control);
// "--state=SHUTDOWN --last-checkpoint-lsn=0/3000028\n", the LSN only for a clean shutdown.
std::string format_shutdown_state(ShutdownState state, model::Lsn checkpoint);

// Pure: the --archive-ready --optformat line, by check_archive_ready's verdict.
std::string archive_ready_optformat(const NodeFacts& facts);

// What the other node's `node check --db-connection --optformat` printed: its verdict, or none
// when no such check ran there (no pgwarden on that host, or one too old to know the option), so
// that a missing binary is not reported as a failed superuser login.
enum class RemoteCheckAnswer { ok, failed, none };
RemoteCheckAnswer db_connection_answer(const std::string& output);

// The commands: print their line on stdout and return the exit code (always 0, as repmgr's).
int print_shutdown_state(const config::RepmgrConfig& config);
int print_replication_connection(const config::RepmgrConfig& config,
                                 std::optional<int> remote_node_id);

}  // namespace pgwarden::cli
