// Pruning repmgr.monitoring_history on the primary, as repmgr's `cluster cleanup` does
// (get_number_of_monitoring_records_to_delete, delete_monitoring_records, vacuum_table).
#pragma once

#include "pg/connection.hpp"

#include <optional>

namespace pgwarden::cluster {

// The rows at least `keep_days` days old (of `standby_node_id`'s only, when given). Throws
// pg::PgError.
long long count_monitoring_records_to_delete(pg::Connection& primary, int keep_days,
                                             std::optional<int> standby_node_id);

// Deletes those rows: TRUNCATE when everything goes (no days kept, no node named), as repmgr.
// Throws pg::PgError.
void delete_monitoring_records(pg::Connection& primary, int keep_days,
                               std::optional<int> standby_node_id);

// VACUUM of the table afterwards; throws pg::PgError.
void vacuum_monitoring_history(pg::Connection& primary);

}  // namespace pgwarden::cluster
