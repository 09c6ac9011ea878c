#include "cluster/node_record.hpp"

#include "text/parse_number.hpp"

#include <fmt/format.h>

#include <charconv>

namespace pgwarden::cluster {
namespace {

constexpr const char* kSelectNodes =
    "SELECT node_id, upstream_node_id, active, node_name, type, location, priority, conninfo,"
    " repluser, slot_name, config_file FROM repmgr.nodes";

NodeType to_type(std::string_view text, std::string_view node_id) {
    if (auto type = model::parse_node_type(text))
        return *type;
    throw pg::PgError(fmt::format(
        "repmgr.nodes: node {} has unknown type \"{}\" (expected primary, standby, witness or "
        "bdr); correct the record",
        node_id, text));
}

std::vector<NodeRecord> read_rows(const pg::Result& result) {
    std::vector<NodeRecord> nodes;
    nodes.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) {
        NodeRecord node;
        node.node_id = text::number_or_zero(result.value(row, 0));
        if (!result.is_null(row, 1))
            node.upstream_node_id = text::number_or_zero(result.value(row, 1));
        node.active = result.value(row, 2) == "t";
        node.node_name = result.value(row, 3);
        node.type = to_type(result.value(row, 4), result.value(row, 0));
        node.location = result.value(row, 5);
        node.priority = text::number_or_zero(result.value(row, 6));
        node.conninfo = result.value(row, 7);
        node.repluser = result.value(row, 8);
        if (!result.is_null(row, 9))
            node.slot_name = std::string(result.value(row, 9));
        node.config_file = result.value(row, 10);
        nodes.push_back(std::move(node));
    }
    return nodes;
}

}  // namespace

bool has_metadata(pg::Connection& conn) {
    return conn.exec("SELECT to_regclass('repmgr.nodes') IS NOT NULL").value(0, 0) == "t";
}

std::vector<NodeRecord> load_nodes(pg::Connection& conn) {
    return read_rows(conn.exec(std::string(kSelectNodes) + " ORDER BY node_id"));
}

std::optional<NodeRecord> load_node(pg::Connection& conn, int node_id) {
    auto nodes = read_rows(
        conn.exec(std::string(kSelectNodes) + " WHERE node_id = $1", {std::to_string(node_id)}));
    if (nodes.empty())
        return std::nullopt;
    return std::move(nodes.front());
}

std::optional<NodeRecord> load_node_by_name(pg::Connection& conn, const std::string& node_name) {
    auto nodes =
        read_rows(conn.exec(std::string(kSelectNodes) + " WHERE node_name = $1", {node_name}));
    if (nodes.empty())
        return std::nullopt;
    return std::move(nodes.front());
}

std::vector<DownstreamRecord> load_downstream(pg::Connection& conn, int node_id) {
    const auto rows = conn.exec(
        "SELECT node_id, node_name, type FROM repmgr.nodes WHERE upstream_node_id = $1"
        " ORDER BY node_id",
        {std::to_string(node_id)});
    std::vector<DownstreamRecord> nodes;
    for (int row = 0; row < rows.rows(); ++row) {
        nodes.push_back({text::number_or_zero(rows.value(row, 0)), std::string(rows.value(row, 1)),
                         model::parse_node_type(rows.value(row, 2))});
    }
    return nodes;
}

std::optional<int> other_active_primary_id(pg::Connection& conn, int node_id) {
    const auto other = conn.exec(
        "SELECT node_id FROM repmgr.nodes WHERE type = 'primary' AND active IS TRUE"
        " AND node_id <> $1 ORDER BY node_id LIMIT 1",
        {std::to_string(node_id)});
    if (other.rows() == 0)
        return std::nullopt;
    return std::stoi(std::string(other.value(0, 0)));
}

}  // namespace pgwarden::cluster
