// repmgr 5.3's format_node_status rules as a function of observations, and its table layouts.
#include "cluster_show_format.hpp"

#include "text/json.hpp"

#include "cluster/node_state.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace pgwarden::cli {
namespace {

std::string status_cell(const cluster::NodeRecord& node, const NodeObservation& obs,
                        StatusReport& report, const std::string& who) {
    auto warn = [&](const char* what) {
        report.warnings.push_back(fmt::format("{} {}", who, what));
    };
    const bool up = obs.reachability == Reachability::up;
    const bool rejected = obs.reachability == Reachability::rejected;
    const auto role = cluster::role_from_recovery(up ? obs.in_recovery : std::nullopt);
    const bool primary_now = role == cluster::Role::primary;
    const bool standby_now = role == cluster::Role::standby;

    if (node.type == model::NodeType::primary || node.type == model::NodeType::standby) {
        const bool as_primary = node.type == model::NodeType::primary;
        if (up) {
            const bool matches = as_primary ? primary_now : standby_now;
            const bool opposite = as_primary ? standby_now : primary_now;
            const std::string other = as_primary ? "standby" : "primary";
            if (node.active) {
                if (matches)
                    return as_primary ? "* running" : "  running";
                if (opposite) {
                    warn(as_primary ? "is registered as primary but running as standby"
                                    : "is registered as standby but running as primary");
                    return "! running as " + other;
                }
                warn("has unknown replication status");
                return "! unknown";
            }
            if (matches) {
                warn("is running but the repmgr node record is inactive");
                return "! running";
            }
            warn(as_primary ? "is registered as an inactive primary but running as standby"
                            : "is running as primary but the repmgr node record is inactive");
            return "! running as " + other;
        }
        if (rejected) {
            if (node.active)
                return "? running";
            report.error_found = true;
            return "! running";
        }
        if (node.active) {
            warn(as_primary ? "is registered as an active primary but is unreachable"
                            : "is registered as an active standby but is unreachable");
            return "? unreachable";
        }
        report.error_found = true;
        return "- failed";
    }
    if (node.type == model::NodeType::witness) {
        if (up) {
            if (node.active)
                return "* running";
            report.error_found = true;
            return "! running";
        }
        if (rejected) {
            if (node.active)
                return "? rejected";
            report.error_found = true;
            return "! failed";
        }
        if (node.active)
            return "? unreachable";
        report.error_found = true;
        return "- failed";
    }
    report.error_found = true;
    return "? unknown node type";
}

const cluster::NodeRecord* find_node(const std::vector<cluster::NodeRecord>& nodes,
                                     std::optional<int> id, std::size_t* index = nullptr) {
    if (!id)
        return nullptr;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].node_id == *id) {
            if (index != nullptr)
                *index = i;
            return &nodes[i];
        }
    }
    return nullptr;
}

enum class Attached { unknown, not_streaming, detached, attached };

// repmgr's is_downstream_node_attached, answered from the upstream's pg_stat_replication.
Attached attachment(const NodeObservation& upstream, const std::string& node_name,
                    std::string& state) {
    if (!upstream.replication_clients)
        return Attached::unknown;
    int matches = 0;
    for (const auto& client : *upstream.replication_clients) {
        if (client.application_name == node_name) {
            ++matches;
            state = client.state;
        }
    }
    if (matches == 0)
        return Attached::detached;
    if (matches > 1)
        return Attached::unknown;
    return state == "streaming" ? Attached::attached : Attached::not_streaming;
}

std::string upstream_cell(const std::vector<cluster::NodeRecord>& nodes,
                          const std::vector<NodeObservation>& observations, std::size_t i,
                          StatusReport& report) {
    const auto& node = nodes[i];
    const auto& obs = observations[i];
    const std::string expected_name = node_name_of(nodes, node.upstream_node_id);
    if (!obs.own_record_error && !obs.own_record)
        return "? " + expected_name;
    if (!obs.own_record)
        return "";
    const auto& own = *obs.own_record;
    const std::string who = fmt::format("node {}", describe(node));

    // The upstream as the metadata names it, and whether it answers.
    std::size_t upstream_index = 0;
    const auto* upstream = find_node(nodes, node.upstream_node_id, &upstream_index);
    const NodeObservation* upstream_obs = upstream ? &observations[upstream_index] : nullptr;
    auto upstream_who = [&] { return describe(*upstream); };
    auto upstream_unreachable = [&] { return upstream_obs->reachability != Reachability::up; };
    auto no_record = [&] {
        report.warnings.push_back(fmt::format("unable to find record for upstream node ID {}",
                                              node.upstream_node_id.value_or(-1)));
    };

    if (own.type == model::NodeType::witness) {
        std::string prefix;
        if (!own.upstream_node_id) {
            prefix = "! ";
            report.warnings.push_back(who + " is a witness but reports it has no upstream node");
        } else if (node.upstream_node_id != own.upstream_node_id) {
            prefix = "! ";
            report.warnings.push_back(
                fmt::format("{} reports a different upstream (reported: \"{}\", expected \"{}\")",
                            who, own.upstream_node_name, expected_name));
        } else if (upstream == nullptr) {
            prefix = "? ";
            no_record();
        } else if (upstream_unreachable()) {
            prefix = "? ";
            report.warnings.push_back(
                fmt::format("unable to connect to {}'s upstream node {}", who, upstream_who()));
        }
        return prefix + own.upstream_node_name;
    }
    if (own.type != model::NodeType::standby)
        return "";

    if (node.upstream_node_id && node.upstream_node_id == own.upstream_node_id) {
        Attached attached = Attached::unknown;
        std::string state;
        if (upstream == nullptr) {
            no_record();
        } else if (upstream_unreachable()) {
            report.warnings.push_back(
                fmt::format("unable to connect to {}'s upstream node {}", who, upstream_who()));
        } else {
            attached = attachment(*upstream_obs, node.node_name, state);
        }
        const std::string upstream_text = upstream ? upstream_who() : std::string("\"\" (ID: -1)");
        std::string prefix;
        switch (attached) {
            case Attached::unknown:
                prefix = "? ";
                report.warnings.push_back(
                    fmt::format("unable to determine if {} is attached to its upstream node {}",
                                who, upstream_text));
                break;
            case Attached::not_streaming:
                prefix = "? ";
                report.warnings.push_back(
                    fmt::format("{} attached to its upstream node {} in state \"{}\"", who,
                                upstream_text, state));
                break;
            case Attached::detached:
                prefix = "! ";
                report.warnings.push_back(
                    fmt::format("{} is not attached to its upstream node {}", who, upstream_text));
                break;
            case Attached::attached:
                break;
        }
        return prefix + expected_name;
    }
    if (node.upstream_node_id && !own.upstream_node_id) {
        report.warnings.push_back(
            fmt::format("{} reports it has no upstream (expected: \"{}\")", who, expected_name));
        return "!";
    }
    if (node.upstream_node_id && own.upstream_node_id) {
        report.warnings.push_back(
            fmt::format("{} reports a different upstream (reported: \"{}\", expected \"{}\")", who,
                        own.upstream_node_name, expected_name));
        return "! " + own.upstream_node_name;
    }
    return "";
}

using text::json_string;

template <typename T>
std::string json_optional(const std::optional<T>& value) {
    return value ? fmt::format("{}", *value) : "null";
}

}  // namespace

std::string node_name_of(const std::vector<cluster::NodeRecord>& nodes, std::optional<int> id) {
    const auto* node = find_node(nodes, id);
    return node ? node->node_name : "";
}

StatusReport assess_nodes(const std::vector<cluster::NodeRecord>& nodes,
                          const std::vector<NodeObservation>& observations, StatusCommand command,
                          bool verbose) {
    StatusReport report;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& node = nodes[i];
        const auto& obs = observations[i];
        const std::string who = fmt::format("node {}", describe(node));
        if (obs.reachability != Reachability::up) {
            report.connection_error = true;
            std::string message = obs.connect_error;
            while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
                message.pop_back();
            if (verbose) {
                report.warnings.push_back(fmt::format(
                    "when attempting to connect to {}, following error encountered :\n\"{}\"", who,
                    message));
            } else {
                // repmgr's service status really has two spaces here.
                report.warnings.push_back((command == StatusCommand::service_status
                                               ? "unable to  connect to "
                                               : "unable to connect to ") +
                                          who);
            }
        } else if (command == StatusCommand::service_status && obs.in_recovery == true &&
                   obs.wal_replay_paused_pending) {
            report.warnings.push_back(fmt::format(
                "WAL replay is paused on {} with WAL replay pending; this node cannot be manually "
                "promoted  until WAL replay is resumed",
                who));
        }
        NodeCells cells;
        cells.status = status_cell(node, obs, report, who);
        if (node.type == model::NodeType::standby && obs.reachability == Reachability::up &&
            obs.wal_replay_paused_pending) {
            report.warnings.push_back(fmt::format(
                "WAL replay is paused on {} with WAL replay pending; this node cannot be manually "
                "promoted until WAL replay is resumed",
                who));
        }
        cells.upstream = upstream_cell(nodes, observations, i, report);
        if (node.type == model::NodeType::witness)
            cells.timeline = "n/a";
        else if (obs.timeline)
            cells.timeline = std::to_string(*obs.timeline);
        report.cells.push_back(std::move(cells));
    }
    return report;
}

std::string format_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows, bool trailing_space) {
    std::vector<std::size_t> widths;
    for (const auto& header : headers)
        widths.push_back(header.size());
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    }
    std::string out;
    for (std::size_t c = 0; c < headers.size(); ++c)
        out += fmt::format("{}{:<{}}", c == 0 ? " " : " | ", headers[c], widths[c]);
    out += "\n-";
    for (std::size_t c = 0; c < headers.size(); ++c)
        out += std::string(widths[c], '-') + (c + 1 < headers.size() ? "-+-" : "-");
    out += "\n";
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
            const bool last = c + 1 == row.size();
            out += fmt::format("{}{:<{}}{}", c == 0 ? " " : "| ", row[c], widths[c],
                               last && !trailing_space ? "" : " ");
        }
        out += "\n";
    }
    return out;
}

std::string format_cluster_table(const std::vector<cluster::NodeRecord>& nodes,
                                 const StatusReport& report, bool compact) {
    std::vector<std::string> headers = {"ID",
                                        "Name",
                                        "Role",
                                        "Status",
                                        "Upstream",
                                        "Location",
                                        compact ? "Prio." : "Priority",
                                        compact ? "TLI" : "Timeline"};
    if (!compact)
        headers.emplace_back("Connection string");
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& node = nodes[i];
        const auto& cells = report.cells[i];
        std::vector<std::string> row = {std::to_string(node.node_id),
                                        node.node_name,
                                        std::string(model::node_type_name(node.type)),
                                        cells.status,
                                        cells.upstream,
                                        node.location,
                                        std::to_string(node.priority),
                                        cells.timeline};
        if (!compact)
            row.push_back(node.conninfo);
        rows.push_back(std::move(row));
    }
    return format_table(headers, rows, compact);
}

std::string format_cluster_csv(const std::vector<cluster::NodeRecord>& nodes,
                               const std::vector<NodeObservation>& observations) {
    std::string out;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& obs = observations[i];
        const int availability = obs.reachability == Reachability::up ? 0 : -1;
        const int recovery = !obs.in_recovery ? -1 : (*obs.in_recovery ? 1 : 0);
        out += fmt::format("{},{},{}\n", nodes[i].node_id, availability, recovery);
    }
    return out;
}

std::string format_cluster_json(const std::vector<cluster::NodeRecord>& nodes,
                                const std::vector<NodeObservation>& observations,
                                const StatusReport& report) {
    std::string out = "[";
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& node = nodes[i];
        const auto& obs = observations[i];
        std::string status = report.cells[i].status;
        status.erase(0, status.find_first_not_of(' '));
        const std::string upstream = node_name_of(nodes, node.upstream_node_id);
        out += fmt::format(
            "{}\n  {{\"id\": {}, \"name\": {}, \"role\": {}, \"status\": {}, \"upstream\": {}, "
            "\"priority\": {}, \"location\": {}, \"timeline\": {}, \"replay_lag_bytes\": {}, "
            "\"conninfo\": {}}}",
            i == 0 ? "" : ",", node.node_id, json_string(node.node_name),
            json_string(model::node_type_name(node.type)), json_string(status),
            upstream.empty() ? "null" : json_string(upstream), node.priority,
            json_string(node.location), json_optional(obs.timeline),
            json_optional(obs.replay_lag_bytes), json_string(text::mask_password(node.conninfo)));
    }
    out += nodes.empty() ? "]\n" : "\n]\n";
    return out;
}

std::string format_service_table(const std::vector<cluster::NodeRecord>& nodes,
                                 const std::vector<NodeObservation>& observations,
                                 const StatusReport& report, ServiceTableForm form) {
    std::vector<std::string> headers = {"ID", "Name", "Role", "Status", "Upstream"};
    if (form.detail) {
        headers.emplace_back("Location");
        headers.emplace_back(form.compact ? "Prio." : "Priority");
    }
    for (const char* header : {"repmgrd", "PID", "Paused?"})
        headers.emplace_back(header);
    headers.emplace_back(form.compact ? "Upstr. last" : "Upstream last seen");

    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& node = nodes[i];
        const auto& obs = observations[i];
        const bool up = obs.reachability == Reachability::up;
        const auto& daemon = obs.daemon;
        const bool pid_known = up && daemon.pid != -1;
        std::string last_seen = "n/a";
        if (pid_known && daemon.upstream_last_seen >= 0) {
            last_seen = fmt::format("{} {} ago", daemon.upstream_last_seen,
                                    form.compact ? "sec(s)" : "second(s)");
        }
        std::vector<std::string> row = {std::to_string(node.node_id), node.node_name,
                                        std::string(model::node_type_name(node.type)),
                                        report.cells[i].status, report.cells[i].upstream};
        if (form.detail) {
            row.push_back(node.location);
            row.push_back(std::to_string(node.priority));
        }
        row.emplace_back(up ? (daemon.running ? "running" : "not running") : "n/a");
        row.push_back(pid_known ? std::to_string(daemon.pid) : "n/a");
        row.emplace_back(pid_known ? (daemon.paused ? "yes" : "no") : "n/a");
        row.push_back(last_seen);
        rows.push_back(std::move(row));
    }
    return format_table(headers, rows, true);
}

std::string format_service_csv(const std::vector<cluster::NodeRecord>& nodes,
                               const std::vector<NodeObservation>& observations) {
    std::string out;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& node = nodes[i];
        const auto& obs = observations[i];
        const bool up = obs.reachability == Reachability::up;
        const auto& daemon = obs.daemon;
        out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", node.node_id, node.node_name,
                           node.type, up ? 1 : 0, up ? (daemon.running ? 1 : 0) : -1,
                           up ? daemon.pid : -1, up ? (daemon.paused ? 1 : 0) : -1, node.priority,
                           up && daemon.pid != -1 ? daemon.upstream_last_seen : -1, node.location);
    }
    return out;
}

std::string format_warnings(const StatusReport& report) {
    if (report.warnings.empty())
        return "";
    std::string out = "following issues were detected\n";
    for (const auto& warning : report.warnings)
        out += "  - " + warning + "\n";
    return out;
}

bool has_issues(const StatusReport& report) {
    return report.error_found || !report.warnings.empty();
}

}  // namespace pgwarden::cli
