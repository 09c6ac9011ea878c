// repmgr.nodes writes, each in its own transaction (or the caller's, when one is open).
#include "cluster/node_write.hpp"

#include "cluster/transaction.hpp"

#include <libpq-fe.h>

#include <string>

namespace pgwarden::cluster {
namespace {

std::optional<std::string> opt_int(std::optional<int> value) {
    if (!value)
        return std::nullopt;
    return std::to_string(*value);
}

// BEGIN/COMMIT around `body`, ROLLBACK when it throws. Inside a transaction the caller opened,
// the body simply joins it, so callers can group several writes with an event.
template <typename Body>
void in_transaction(pg::Connection& conn, Body&& body) {
    if (PQtransactionStatus(conn.get()) != PQTRANS_IDLE) {
        body();
        return;
    }
    begin_transaction(conn);
    try {
        body();
        commit_transaction(conn);
    } catch (...) {
        rollback_transaction(conn);
        throw;
    }
}

}  // namespace

void write_node(pg::Connection& conn, const NodeRecord& node, bool replace) {
    const std::vector<std::optional<std::string>> params{std::to_string(node.node_id),
                                                         opt_int(node.upstream_node_id),
                                                         node.active ? "TRUE" : "FALSE",
                                                         node.node_name,
                                                         std::string(node_type_name(node.type)),
                                                         node.location,
                                                         std::to_string(node.priority),
                                                         node.conninfo,
                                                         node.repluser,
                                                         node.slot_name,
                                                         node.config_file};
    in_transaction(conn, [&] {
        const bool exists = replace && conn.exec("SELECT 1 FROM repmgr.nodes WHERE node_id = $1",
                                                 {std::to_string(node.node_id)})
                                               .rows() > 0;
        if (exists) {
            conn.exec(
                "UPDATE repmgr.nodes SET upstream_node_id = $2, active = $3, node_name = $4,"
                " type = $5, location = $6, priority = $7, conninfo = $8, repluser = $9,"
                " slot_name = $10, config_file = $11 WHERE node_id = $1",
                params);
        } else {
            conn.exec(
                "INSERT INTO repmgr.nodes (node_id, upstream_node_id, active, node_name, type,"
                " location, priority, conninfo, repluser, slot_name, config_file)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                params);
        }
    });
}

void delete_node(pg::Connection& conn, int node_id) {
    in_transaction(conn, [&] {
        conn.exec("DELETE FROM repmgr.nodes WHERE node_id = $1", {std::to_string(node_id)});
    });
}

void set_node_active(pg::Connection& conn, int node_id, bool active) {
    in_transaction(conn, [&] {
        conn.exec("UPDATE repmgr.nodes SET active = $2 WHERE node_id = $1",
                  {std::to_string(node_id), active ? "TRUE" : "FALSE"});
    });
}

void promote_node_record(pg::Connection& conn, int node_id, std::optional<int> old_primary_id) {
    in_transaction(conn, [&] {
        if (old_primary_id && *old_primary_id != node_id) {
            conn.exec("UPDATE repmgr.nodes SET active = FALSE WHERE node_id = $1",
                      {std::to_string(*old_primary_id)});
        }
        conn.exec(
            "UPDATE repmgr.nodes SET type = 'primary', upstream_node_id = NULL, active = TRUE"
            " WHERE node_id = $1",
            {std::to_string(node_id)});
    });
}

void set_upstream(pg::Connection& conn, int node_id, int upstream_node_id) {
    in_transaction(conn, [&] {
        conn.exec("UPDATE repmgr.nodes SET upstream_node_id = $2 WHERE node_id = $1",
                  {std::to_string(node_id), std::to_string(upstream_node_id)});
    });
}

// One statement: a transaction of its own.
void set_standby_of(pg::Connection& conn, int node_id, int upstream_node_id) {
    conn.exec("UPDATE repmgr.nodes SET type = 'standby', upstream_node_id = $1 WHERE node_id = $2",
              {std::to_string(upstream_node_id), std::to_string(node_id)});
}

void replace_all_nodes(pg::Connection& conn, const std::vector<NodeRecord>& nodes) {
    in_transaction(conn, [&] {
        // upstream_node_id refers to rows written later in the same transaction.
        conn.exec("SET CONSTRAINTS ALL DEFERRED");
        conn.exec("DELETE FROM repmgr.nodes");
        for (const auto& node : nodes)
            write_node(conn, node, false);
    });
}

}  // namespace pgwarden::cluster
