// repmgr's metadata schema: the repmgr extension where PostgreSQL has it, the same tables and
// views in plain SQL where it does not.
#pragma once

#include "pg/connection.hpp"

#include <string>
#include <vector>

namespace pgwarden::cluster {

enum class SchemaStatus {
    extension_installed,  // CREATE EXTENSION repmgr was run here
    plain_installed,      // schema repmgr with repmgr.nodes, without the extension
    extension_available,  // pg_available_extensions lists repmgr
    unavailable,          // neither: pgwarden creates the plain SQL schema
};

// Reads pg_extension / pg_available_extensions / the catalog. Throws pg::PgError.
SchemaStatus schema_status(pg::Connection& conn);

// The statements creating repmgr 5.3's tables, index, rule and views without the extension
// (its C functions are left out; replication_status uses last_monitor_time instead of
// standby_get_last_updated()).
const std::vector<std::string>& plain_schema_statements();

// Creates the metadata in one transaction: CREATE EXTENSION repmgr when `use_extension`, else
// plain_schema_statements(). Throws pg::PgError, leaving nothing behind.
void create_schema(pg::Connection& conn, bool use_extension);

}  // namespace pgwarden::cluster
