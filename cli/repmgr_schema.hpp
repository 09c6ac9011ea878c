// repmgr's create_repmgr_extension, shared by primary register and witness register: the
// "repmgr" extension, or the same schema in plain SQL where the extension is not installed.
#pragma once

#include "pg/connection.hpp"

namespace pgwarden::cli {

enum class SchemaOutcome { present, created, failed };

// Creates the metadata schema on `conn` unless it is there, with repmgr's messages; with
// `dry_run` only says what it would do (and answers `created`).
SchemaOutcome ensure_repmgr_schema(pg::Connection& conn, bool dry_run);

}  // namespace pgwarden::cli
