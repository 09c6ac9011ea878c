// repmgr 5.3's node check rules, wording and thresholds (repmgr-action-node.c), minus the I/O.
#include "node_check.hpp"

#include "cluster/node_state.hpp"

#include <fmt/format.h>

namespace pgwarden::cli {
namespace {

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : separator) + item;
    return out;
}

}  // namespace

std::string_view check_status_name(CheckStatus status) {
    switch (status) {
        case CheckStatus::ok:
            return "OK";
        case CheckStatus::warning:
            return "WARNING";
        case CheckStatus::critical:
            return "CRITICAL";
        case CheckStatus::unknown:
            break;
    }
    return "UNKNOWN";
}

namespace {

// "--status=OK --lag=0": repmgr prints the separating space even when there are no details.
std::string status_optformat(CheckStatus status, const std::string& details) {
    return fmt::format("--status={} {}\n", check_status_name(status), details);
}

}  // namespace

CheckResult check_role(const NodeFacts& facts) {
    CheckResult r{"Server role", CheckStatus::ok, "", "", true};
    const auto role = cluster::role_from_recovery(facts.in_recovery);
    const bool standby = role == cluster::Role::standby;
    const bool primary = role == cluster::Role::primary;
    if (facts.type == model::NodeType::primary) {
        r.details =
            standby ? "node is registered as primary but running as standby" : "node is primary";
        r.status = standby ? CheckStatus::critical : CheckStatus::ok;
    } else if (facts.type == model::NodeType::standby) {
        r.details =
            primary ? "node is registered as standby but running as primary" : "node is standby";
        r.status = primary ? CheckStatus::critical : CheckStatus::ok;
    } else if (facts.type == model::NodeType::witness) {
        r.details =
            standby ? "node is registered as witness but running as standby" : "node is witness";
        r.status = standby ? CheckStatus::critical : CheckStatus::ok;
    }
    r.nagios = fmt::format("REPMGR_SERVER_ROLE {}: {}\n", check_status_name(r.status), r.details);
    return r;
}

CheckResult check_replication_lag(const NodeFacts& facts) {
    CheckResult r{"Replication lag", CheckStatus::ok, "", "", true, false};
    std::string nagios_details;
    std::string optformat_details;
    if (cluster::role_from_recovery(facts.in_recovery) == cluster::Role::primary) {
        r.details = facts.type == model::NodeType::witness ? "N/A - node is witness"
                                                           : "N/A - node is primary";
        nagios_details =
            fmt::format("0 seconds | lag=0;{};{}", facts.lag_warning, facts.lag_critical);
        optformat_details = "--lag=0";
    } else if (!facts.lag_seconds) {
        r.status = CheckStatus::unknown;
        r.details = nagios_details = "unable to query replication lag";
    } else {
        const int lag = *facts.lag_seconds;
        nagios_details = fmt::format("{} seconds | lag={};{};{}", lag, lag, facts.lag_warning,
                                     facts.lag_critical);
        optformat_details = fmt::format("--lag={}", lag);
        if (lag >= facts.lag_critical) {
            r.status = CheckStatus::critical;
            // repmgr's text has the unmatched parenthesis.
            r.details = fmt::format("{} seconds, critical threshold: {})", lag, facts.lag_critical);
            optformat_details += fmt::format(" --threshold={}", facts.lag_critical);
        } else if (lag > facts.lag_warning) {
            r.status = CheckStatus::warning;
            r.details = fmt::format("{} seconds, warning threshold: {})", lag, facts.lag_warning);
            optformat_details += fmt::format(" --threshold={}", facts.lag_warning);
        } else {
            r.details = fmt::format("{} seconds", lag);
        }
    }
    r.nagios =
        fmt::format("REPMGR_REPLICATION_LAG {}: {}\n", check_status_name(r.status), nagios_details);
    r.optformat = status_optformat(r.status, optformat_details);
    return r;
}

CheckResult check_archive_ready(const NodeFacts& facts) {
    CheckResult r{"WAL archiving", CheckStatus::ok, "", "", true, false};
    std::string nagios_details;
    std::string optformat_details;
    if (!facts.ready_archive_files) {
        r.status = CheckStatus::unknown;
        r.details = nagios_details = "unable to check archive_status directory";
    } else {
        const int files = *facts.ready_archive_files;
        nagios_details =
            fmt::format("{} pending archive ready files | files={};{};{}", files, files,
                        facts.archive_ready_warning, facts.archive_ready_critical);
        optformat_details = fmt::format("--files={}", files);
        if (files > facts.archive_ready_critical) {
            r.status = CheckStatus::critical;
            r.details = fmt::format("{} pending archive ready files, critical threshold: {}", files,
                                    facts.archive_ready_critical);
            optformat_details += fmt::format(" --threshold={}", facts.archive_ready_critical);
        } else if (files > facts.archive_ready_warning) {
            r.status = CheckStatus::warning;
            r.details = fmt::format("{} pending archive ready files (threshold: {})", files,
                                    facts.archive_ready_warning);
            optformat_details += fmt::format(" --threshold={}", facts.archive_ready_warning);
        } else {
            r.details = fmt::format("{} pending archive ready files", files);
        }
    }
    r.nagios =
        fmt::format("REPMGR_ARCHIVE_READY {}: {}\n", check_status_name(r.status), nagios_details);
    r.optformat = status_optformat(r.status, optformat_details);
    return r;
}

CheckResult check_upstream(const NodeFacts& facts) {
    CheckResult r{"Upstream connection", CheckStatus::ok, "", "", false};
    if (facts.type == model::NodeType::witness) {
        r.details = "N/A - node is a witness";
    } else if (!facts.upstream_name) {
        if (cluster::role_from_recovery(facts.in_recovery) == cluster::Role::standby) {
            r.status = CheckStatus::critical;
            r.details =
                fmt::format("node \"{}\" (ID: {}) is a standby but no upstream record found",
                            facts.node_name, facts.node_id);
        } else {
            r.details = "N/A - node is primary";
        }
    } else {
        r.status = facts.attached_to_upstream ? CheckStatus::ok : CheckStatus::critical;
        r.details = fmt::format(
            "node \"{}\" (ID: {}) is {}attached to expected upstream node "
            "\"{}\" (ID: {})",
            facts.node_name, facts.node_id, facts.attached_to_upstream ? "" : "not ",
            *facts.upstream_name, facts.upstream_id);
    }
    r.nagios =
        fmt::format("REPMGR_UPSTREAM_SERVER {}: {}\n", check_status_name(r.status), r.details);
    return r;
}

CheckResult check_downstream(const NodeFacts& facts) {
    CheckResult r{"Downstream servers", CheckStatus::ok, "", "", true};
    std::vector<std::string> missing;
    int expected = 0;
    for (const auto& node : facts.downstream) {
        if (node.witness)
            continue;
        ++expected;
        if (!node.attached)
            missing.push_back(fmt::format("{} (ID: {})", node.name, node.id));
    }
    const int missing_count = static_cast<int>(missing.size());
    std::string nagios_details;
    if (facts.type == model::NodeType::witness) {
        r.details = nagios_details = "N/A - node is a witness";
    } else if (missing.empty()) {
        r.details = nagios_details =
            expected == 0 ? "this node has no downstream nodes"
                          : fmt::format("{} of {} downstream nodes attached", expected, expected);
    } else {
        r.status = CheckStatus::critical;
        const std::string summary =
            fmt::format("{} of {} downstream nodes not attached", missing_count, expected);
        r.details = summary + "; missing: " + join(missing, ", ");
        nagios_details = summary + " (missing: " + join(missing, ", ") + ")";
    }
    r.nagios = fmt::format("REPMGR_DOWNSTREAM_SERVERS {}: {} | attached={}, missing={}\n",
                           check_status_name(r.status), nagios_details, expected - missing_count,
                           missing_count);
    return r;
}

CheckResult check_slots(const NodeFacts& facts) {
    CheckResult r{"Replication slots", CheckStatus::ok, "", "", true};
    if (facts.total_slots == 0) {
        r.details = "node has no physical replication slots";
    } else if (facts.inactive_slots == 0) {
        r.details = fmt::format("{} of {} physical replication slots are active", facts.total_slots,
                                facts.total_slots);
    } else {
        r.status = CheckStatus::critical;
        r.details = fmt::format("{} of {} physical replication slots are inactive",
                                facts.inactive_slots, facts.total_slots);
    }
    r.nagios =
        fmt::format("REPMGR_INACTIVE_SLOTS {}: {} | slots={};{}\n", check_status_name(r.status),
                    r.details, facts.total_slots, facts.inactive_slots);
    return r;
}

CheckResult check_missing_slots(const NodeFacts& facts) {
    CheckResult r{"Missing physical replication slots", CheckStatus::ok, "", "", true};
    const auto& missing = facts.missing_slot_names;
    if (missing.empty()) {
        r.details = "node has no missing physical replication slots";
    } else {
        r.status = CheckStatus::critical;
        r.details = fmt::format("{} physical replication slots are missing: {}", missing.size(),
                                join(missing, ", "));
    }
    r.nagios = fmt::format("REPMGR_MISSING_SLOTS {}: {} | missing_slots={}",
                           check_status_name(r.status), r.details, missing.size());
    if (!missing.empty())
        r.nagios += ";" + join(missing, ",");
    r.nagios += "\n";
    return r;
}

CheckResult check_data_directory(const NodeFacts& facts) {
    CheckResult r{"Configured data directory", CheckStatus::ok, "", "", true};
    std::string nagios_details;
    const auto& configured = facts.configured_data_directory;
    if (facts.can_read_settings) {
        const std::string actual = facts.actual_data_directory.value_or("");
        if (!facts.actual_data_directory) {
            r.details = "unable to determine current \"data_directory\"";
            r.status = CheckStatus::unknown;
        }
        if (actual != configured) {
            nagios_details = r.details + fmt::format("actual data directory is \"{}\"", actual);
            r.details += fmt::format("configured \"data_directory\" is \"{}\"; ", configured) +
                         fmt::format("actual data directory is \"{}\"", actual);
            r.status = CheckStatus::critical;
        } else {
            r.details = fmt::format("configured \"data_directory\" is \"{}\"", configured);
        }
    } else if (!facts.configured_is_pg_dir) {
        // repmgr prints the (empty) actual directory here, not the configured one.
        r.details = "configured \"data_directory\" \"\" is not a PostgreSQL data directory";
        nagios_details = "configured \"data_directory\" is not a PostgreSQL data directory";
        r.status = CheckStatus::critical;
    } else {
        r.details = fmt::format("configured \"data_directory\" is \"{}\"", configured);
    }
    r.nagios = fmt::format("REPMGR_DATA_DIRECTORY {}: {}", check_status_name(r.status), configured);
    if (r.status == CheckStatus::critical)
        r.nagios += " | " + nagios_details;
    r.nagios += "\n";
    r.optformat = fmt::format("--configured-data-directory={}\n", check_status_name(r.status));
    return r;
}

CheckResult check_repmgrd(const NodeFacts& facts) {
    CheckResult r{"repmgrd", CheckStatus::critical, "repmgrd not running", "", true};
    if (facts.daemon_running) {
        r.status = facts.daemon_paused ? CheckStatus::warning : CheckStatus::ok;
        r.details = facts.daemon_paused ? "repmgrd running but paused" : "repmgrd running";
    }
    r.nagios = fmt::format("REPMGRD {}: {}\n", check_status_name(r.status), r.details);
    r.optformat = fmt::format("--repmgrd={}\n", check_status_name(r.status));
    return r;
}

std::vector<CheckResult> check_all(const NodeFacts& facts) {
    return {check_role(facts),          check_replication_lag(facts), check_archive_ready(facts),
            check_upstream(facts),      check_downstream(facts),      check_slots(facts),
            check_missing_slots(facts), check_data_directory(facts)};
}

std::string format_single_check(const CheckResult& result, CheckOutput output) {
    if (output == CheckOutput::nagios)
        return result.nagios;
    if (output == CheckOutput::optformat)
        return result.optformat;
    return fmt::format("{} ({})\n", check_status_name(result.status), result.details);
}

std::string format_check_overview(const NodeFacts& facts, const std::vector<CheckResult>& results,
                                  CheckOutput output) {
    std::string out;
    if (output == CheckOutput::csv) {
        out += fmt::format("\"Node name\",\"{}\"\n\"Node ID\",\"{}\"\n", facts.node_name,
                           facts.node_id);
        for (const auto& r : results) {
            if (!r.in_csv)
                continue;
            out += fmt::format("\"{}\",\"{}\"", r.item, check_status_name(r.status));
            if (r.details_in_csv && !r.details.empty())
                out += fmt::format(",\"{}\"", r.details);
            out += "\n";
        }
        return out;
    }
    if (output == CheckOutput::optformat) {
        for (const auto& r : results)
            out += r.optformat;
        return out + fmt::format("Node \"{}\":\n", facts.node_name);
    }
    out += fmt::format("Node \"{}\":\n", facts.node_name);
    for (const auto& r : results) {
        out += fmt::format("\t{}: {}", r.item, check_status_name(r.status));
        if (!r.details.empty())
            out += fmt::format(" ({})", r.details);
        out += "\n";
    }
    return out;
}

NodeStatusReport format_node_status(const NodeStatusFacts& facts, bool csv) {
    NodeStatusReport report;
    // Key, value, and whether repmgr shows the line only in CSV.
    struct Item {
        std::string key;
        std::string value;
        bool csv_only = false;
    };
    std::vector<Item> items;
    items.push_back({"PostgreSQL version", facts.server_version});
    items.push_back({"Total data size", facts.cluster_size});
    items.push_back({"Conninfo", facts.conninfo});
    if (facts.system_identifier) {
        if (facts.system_identifier->empty()) {
            items.push_back({"System identifier", "unknown"});
            report.warnings.emplace_back("unable to retrieve system identifier from pg_control");
        } else {
            items.push_back({"System identifier", *facts.system_identifier});
        }
    }
    items.push_back({"Role", std::string(model::node_type_name(facts.type))});
    const auto role = cluster::role_from_recovery(facts.in_recovery);
    if (facts.type == model::NodeType::primary && role == cluster::Role::standby)
        report.warnings.emplace_back("- node is registered as primary but running as standby");
    if (facts.type == model::NodeType::standby && role == cluster::Role::primary)
        report.warnings.emplace_back("- node is registered as standby but running as primary");

    if (facts.archive_mode_off) {
        items.push_back({"WAL archiving", "off"});
        items.push_back({"Archive command", "(none)"});
    } else {
        const bool enabled = !(role == cluster::Role::standby && facts.archive_mode_on);
        std::string archiving = enabled ? "enabled" : "disabled";
        if (!enabled)
            archiving +=
                " (on standbys \"archive_mode\" must be set to \"always\" to be effective)";
        items.push_back({"WAL archiving", archiving});
        items.push_back({"Archive command", facts.archive_command});
    }
    if (!facts.ready_archive_files) {
        report.warnings.emplace_back("- unable to check archive_status directory\n");
    } else {
        items.push_back({"WALs pending archiving",
                         csv ? std::to_string(*facts.ready_archive_files)
                             : fmt::format("{} pending files", *facts.ready_archive_files),
                         facts.archive_mode_off});
    }
    items.push_back(
        {"Replication connections",
         fmt::format("{} (of maximal {})", facts.attached_wal_receivers, facts.max_wal_senders)});

    std::vector<std::string> missing_nodes;
    int expected = 0;
    for (const auto& node : facts.downstream) {
        if (node.witness)
            continue;
        ++expected;
        if (!node.attached)
            missing_nodes.push_back(fmt::format("{} (ID: {})", node.name, node.id));
    }
    if (!missing_nodes.empty()) {
        report.warnings.push_back(fmt::format(
            "- {} of {} downstream nodes not attached:", missing_nodes.size(), expected));
        for (const auto& node : missing_nodes)
            report.warnings.push_back(fmt::format("  - {}\n", node));
    }

    if (facts.max_replication_slots == 0) {
        items.push_back({"Replication slots", "disabled"});
    } else {
        if (!facts.missing_slots.empty()) {
            report.warnings.push_back(
                fmt::format("- replication slots missing for following {} node(s):",
                            facts.missing_slots.size()));
            for (const auto& slot : facts.missing_slots) {
                report.warnings.push_back(fmt::format("  - {} (ID: {}, slot name: \"{}\")",
                                                      slot.node_name, slot.node_id,
                                                      slot.slot_name));
            }
        }
        std::string slots = fmt::format("{} physical (of maximal {}; {} missing)",
                                        facts.active_slots + facts.inactive_slots,
                                        facts.max_replication_slots, facts.missing_slots.size());
        if (facts.inactive_slots > 0) {
            slots += fmt::format("; {} inactive", facts.inactive_slots);
            report.warnings.push_back(fmt::format(
                "- node has {} inactive physical replication slots", facts.inactive_slots));
            for (const auto& name : facts.inactive_slot_names)
                report.warnings.push_back("  - " + name);
        }
        items.push_back({"Replication slots", slots});
    }

    if (facts.type == model::NodeType::standby) {
        items.push_back({"Upstream node", fmt::format("{} (ID: {})", facts.upstream_name,
                                                      facts.upstream_id.value_or(-1))});
        items.push_back(
            {"Replication lag", fmt::format("{} seconds", facts.replication_lag_seconds)});
        items.push_back({"Last received LSN", model::format_lsn(facts.last_received_lsn)});
        items.push_back({"Last replayed LSN", model::format_lsn(facts.last_replayed_lsn)});
    } else {
        items.push_back({"Upstream node", "(none)", true});
        items.push_back({"Replication lag", "n/a"});
        items.push_back({"Last received LSN", "(none)", true});
        items.push_back({"Last replayed LSN", "(none)", true});
    }

    std::string& out = report.text;
    if (csv) {
        out += fmt::format("\"Node name\",\"{}\"\n\"Node ID\",\"{}\"\n", facts.node_name,
                           facts.node_id);
        for (const auto& item : items)
            out += fmt::format("\"{}\",\"{}\"\n", item.key, item.value);
        out += fmt::format(
            "\"max_wal_senders\",{}\n\"occupied_wal_senders\",{}\n"
            "\"max_replication_slots\",{}\n\"active_replication_slots\",{}\n"
            "\"inactive_replication_slots\",{}",
            facts.max_wal_senders, facts.attached_wal_receivers, facts.max_replication_slots,
            facts.active_slots, facts.inactive_slots);
        for (const auto& name : facts.inactive_slot_names)
            out += fmt::format(",\"{}\"", name);
        out += fmt::format("\n\"missing_replication_slots\",{}", facts.missing_slots.size());
        for (const auto& slot : facts.missing_slots)
            out += fmt::format(",\"{}\"", slot.slot_name);
    } else {
        out += fmt::format("Node \"{}\":\n", facts.node_name);
        for (const auto& item : items) {
            if (!item.csv_only)
                out += fmt::format("\t{}: {}\n", item.key, item.value);
        }
    }
    out += "\n";  // repmgr puts() the buffer
    return report;
}

}  // namespace pgwarden::cli
