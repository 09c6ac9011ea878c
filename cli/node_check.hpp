// Pure: what was observed on the local node -> repmgr 5.3's `node check` results, in its text,
// CSV and Nagios forms. The command (commands/node.cpp) gathers NodeFacts and prints.
#pragma once

#include "model/lsn.hpp"
#include "model/node_type.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cli {

// repmgr's CheckStatus; a single check exits with its value (Nagios' convention).
enum class CheckStatus { ok = 0, warning = 1, critical = 2, unknown = 3 };
// optformat: repmgr's "--name=VALUE" form, which its switchover reads from another node.
enum class CheckOutput { text, csv, nagios, optformat };

std::string_view check_status_name(CheckStatus status);  // "OK", "WARNING", ...

struct DownstreamNode {
    std::string name;
    int id = 0;
    bool witness = false;
    bool attached = false;  // in this node's pg_stat_replication, state "streaming"
};

struct NodeFacts {
    // the node's record
    int node_id = 0;
    std::string node_name;
    model::NodeType type = model::NodeType::standby;
    // pg_is_in_recovery(); nullopt when unknown
    std::optional<bool> in_recovery;
    // standby: seconds behind as repmgr's get_replication_lag_seconds; nullopt when unknown
    std::optional<int> lag_seconds;
    int lag_warning = 300;
    int lag_critical = 600;
    // .ready files in pg_wal/archive_status; nullopt when the directory cannot be read
    std::optional<int> ready_archive_files;
    int archive_ready_warning = 16;
    int archive_ready_critical = 128;
    // the upstream as the metadata names it (nullopt: no record for it) and whether this node is
    // streaming from it
    std::optional<std::string> upstream_name;
    int upstream_id = 0;
    bool attached_to_upstream = false;
    std::vector<DownstreamNode> downstream;
    int total_slots = 0;
    int inactive_slots = 0;
    std::vector<std::string> missing_slot_names;
    // data directory: the configured one, and the server's own when it may be read
    std::string configured_data_directory;
    bool can_read_settings = false;
    std::optional<std::string> actual_data_directory;
    bool configured_is_pg_dir = false;
    // the repmgr extension's view of the failover daemon (false when it cannot say)
    bool daemon_running = false;
    bool daemon_paused = false;
};

struct CheckResult {
    std::string item;  // "Server role", as the overview lists it
    CheckStatus status = CheckStatus::ok;
    std::string details;         // text/CSV details
    std::string nagios;          // the whole --nagios output, newline included where repmgr has one
    bool in_csv = true;          // repmgr leaves "Upstream connection" out of the CSV overview
    bool details_in_csv = true;  // and the lag and archive details out of its CSV rows
    // The --optformat output, newline included; empty for the checks repmgr prints nothing for.
    std::string optformat = {};
};

CheckResult check_role(const NodeFacts& facts);
CheckResult check_replication_lag(const NodeFacts& facts);
CheckResult check_archive_ready(const NodeFacts& facts);
CheckResult check_upstream(const NodeFacts& facts);
CheckResult check_downstream(const NodeFacts& facts);
CheckResult check_slots(const NodeFacts& facts);
CheckResult check_missing_slots(const NodeFacts& facts);
CheckResult check_data_directory(const NodeFacts& facts);
// --repmgrd: OK running, WARNING running but paused, CRITICAL not running (not in the overview).
CheckResult check_repmgrd(const NodeFacts& facts);

// Every check of the overview, in repmgr's order.
std::vector<CheckResult> check_all(const NodeFacts& facts);

// One check on its own: "OK (details)\n", or its Nagios or optformat line.
std::string format_single_check(const CheckResult& result, CheckOutput output);
// The overview: "Node \"name\":\n\titem: STATUS (details)\n"... or its CSV form. With
// --optformat, repmgr lists no item: the checks that have an optformat line print it, in the
// overview's order, before the bare "Node \"name\":" header.
std::string format_check_overview(const NodeFacts& facts, const std::vector<CheckResult>& results,
                                  CheckOutput output);

// `node status`: what repmgr 5.3 reports about the local node.
struct NodeStatusFacts {
    int node_id = 0;
    std::string node_name;
    model::NodeType type = model::NodeType::standby;
    std::string conninfo;
    // --verbose only: pg_control's system identifier ("" when unreadable)
    std::optional<std::string> system_identifier;
    std::string server_version;  // "15.4": server_version up to the first space
    std::string cluster_size;    // pg_size_pretty of every database, or "unknown"
    std::optional<bool> in_recovery;
    bool archive_mode_off = true;
    bool archive_mode_on = false;  // "on" rather than "always" (no effect on a standby)
    std::string archive_command;
    std::optional<int> ready_archive_files;
    int max_wal_senders = 0;
    int attached_wal_receivers = 0;
    int max_replication_slots = 0;
    int active_slots = 0;
    int inactive_slots = 0;
    std::vector<std::string> inactive_slot_names;
    std::vector<DownstreamNode> downstream;
    struct MissingSlot {
        std::string node_name;
        int node_id = 0;
        std::string slot_name;
    };
    std::vector<MissingSlot> missing_slots;
    // standby only
    std::string upstream_name;
    std::optional<int> upstream_id;
    int replication_lag_seconds = 0;
    model::Lsn last_received_lsn;  // 0/0 when unknown
    model::Lsn last_replayed_lsn;
};

struct NodeStatusReport {
    std::string text;                   // stdout
    std::vector<std::string> warnings;  // each already "- ..." as repmgr lists them
};

// With facts.system_identifier set (--verbose), its line follows the conninfo.
NodeStatusReport format_node_status(const NodeStatusFacts& facts, bool csv);

}  // namespace pgwarden::cli
