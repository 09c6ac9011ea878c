// Pure pieces of `node rejoin`: what pg_controldata says about the stopped data directory,
// whether it was shut down cleanly enough, whether the node can attach to the new primary or
// needs pg_rewind, and the lines repmgr 5.3 prints for each answer (also in --dry-run).
// No connections, no files: cli/commands/node_rejoin.cpp does the I/O.
#pragma once

#include "cli_options.hpp"
#include "standby_decisions.hpp"

#include "failover/attach.hpp"
#include "log/log.hpp"
#include "model/lsn.hpp"
#include "text/shell_quote.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::cli::rejoin {

// One line of repmgr output: "LEVEL: text", or its DETAIL/HINT continuation.
struct Line {
    enum class Kind { message, detail, hint };
    log::Level level = log::Level::info;
    Kind kind = Kind::message;
    std::string text;
    // repmgr's log_verbose: shown only with -v/--verbose or --dry-run.
    bool verbose_only = false;
    bool operator==(const Line&) const = default;
};
using Report = std::vector<Line>;

// What node rejoin takes from the command line, checked.
struct RejoinOptions {
    std::string source_conninfo;              // -d (with -h/-p/-U folded in)
    bool force_rewind = false;                // --force-rewind
    std::string rewind_program;               // --force-rewind=PATH, else empty
    std::vector<std::string> config_files;    // --config-files, in order, without empty names
    std::string config_archive_dir = "/tmp";  // --config-archive-dir
    bool wait = true;                         // false with -W/--no-wait
    bool dry_run = false;
};
// The options, or the command line errors repmgr lists ("... must be provided ...").
struct ParsedOptions {
    std::optional<RejoinOptions> options;
    std::vector<std::string> errors;
};
ParsedOptions parse_rejoin_options(const CliOptions& cli);

// The pg_controldata fields node rejoin reads.
struct ControlData {
    std::string state;  // "shut down", "shut down in recovery", "in production", ...
    std::string system_id;
    std::uint32_t checkpoint_tli = 0;
    model::Lsn checkpoint_lsn;
    std::uint32_t min_recovery_tli = 0;  // 0 when never in recovery
    model::Lsn min_recovery_lsn;         // 0/0 when never in recovery
    int checksum_version = 0;
};
// nullopt when the state, the system identifier or the checkpoint is missing.
std::optional<ControlData> parse_controldata(std::string_view text);

// Where this node's WAL ends, as repmgr takes it: the minimum recovery point (a former standby),
// else the latest checkpoint (a former primary shut down cleanly).
struct RecoveryPoint {
    std::uint32_t tli = 0;
    model::Lsn lsn;
};
RecoveryPoint recovery_point(const ControlData& control);

// PG_VERSION's "15" as 150000 (repmgr's server_version_num); nullopt when unreadable.
std::optional<int> version_num_from_pg_version(std::string_view text);

// Whether the stopped data directory may be rejoined: nothing in the report = go on; otherwise
// the report ends in an ERROR and `exit_code` is set. A warning alone (unclean, but PostgreSQL 13
// and --force-rewind: pg_rewind recovers it first) continues.
struct ShutdownVerdict {
    Report report;
    std::optional<int> exit_code;
    bool unclean = false;  // pg_rewind must run crash recovery: standby.signal must be hidden
};
ShutdownVerdict shutdown_verdict(const std::string& state, int server_version_num,
                                 bool force_rewind);

// check_node_can_attach for a rejoin: attach as is, rewind first, or refuse (exit
// ERR_REJOIN_FAIL). As in repmgr 5.3, --force-rewind runs pg_rewind whether or not the timelines
// diverged (it changes nothing when they did not); the NOTICE "pg_rewind execution required"
// appears only when they did, and without --force-rewind that case is the refusal.
struct AttachVerdict {
    enum class Action { attach, rewind, refuse };
    Action action = Action::refuse;
    bool rewind_required = false;  // this node went past the fork point
    Report report;
};
AttachVerdict attach_verdict(const failover::AttachFacts& facts, bool force_rewind,
                             int local_node_id, int target_node_id);

// --force-rewind on a data directory that was not shut down cleanly but already is on the rejoin
// target's timeline, not past its position: a standby of the target that crashed, or a directory
// an earlier rejoin rewound whose server never finished starting (e.g. it could not start with
// the config files pg_rewind copied in). Its WAL is a prefix of the target's, so there is nothing
// to rewind, and the crash recovery pg_rewind runs first must not happen: in single-user mode it
// ends recovery and writes an end-of-recovery checkpoint on the target's timeline, WAL the target
// never had; pg_rewind then answers "no rewind required" (same timeline) and the standby never
// streams ("record with incorrect prev-link", "invalid contrecord"). repmgr 5.3 runs pg_rewind
// here and leaves such a node. Returns the lines saying pg_rewind is skipped and why (the node
// recovers as a standby instead), or nullopt where pg_rewind runs.
std::optional<Report> rewind_skipped(const failover::AttachFacts& facts, bool unclean,
                                     int target_node_id);

// The pg_rewind command line, as repmgr builds it: PROGRAM -D 'DATADIR' --source-server='CONNINFO',
// both values quoted for the shell whatever they hold.
std::string rewind_command(const std::string& program, const std::string& data_directory,
                           const std::string& source_conninfo);

// Where --config-files are kept while pg_rewind runs: DIR/repmgr-config-archive-NODE_NAME.
std::string archive_directory(const std::string& config_archive_dir, const std::string& node_name);

// The --dry-run lines after the checks: the files that would be kept, the pg_rewind command (when
// pg_rewind would run: AttachVerdict::Action::rewind), and the closing "prerequisites ... are met".
// `existing_files` says which of options.config_files exist in the data directory.
Report dry_run_report(const RejoinOptions& options, bool rewind, const std::string& command,
                      const std::string& archive_dir, const std::vector<bool>& existing_files,
                      const std::string& data_directory);

// A shell word in single quotes, as repmgr's appendShellString writes it.
using text::shell_quote;

}  // namespace pgwarden::cli::rejoin
