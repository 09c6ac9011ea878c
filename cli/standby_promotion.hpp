// The promotion itself, shared by standby promote and standby switchover: pg_promote() (or
// service_promote_command), the wait in promote_check_interval steps, one metadata transaction
// and the standby_promote event.
#pragma once

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "pg/connection.hpp"

#include <vector>

namespace pgwarden::cli::standby {

// Promotes the local node through `local`; returns repmgr's exit code (0: promoted and recorded).
int promote_local_node(pg::Connection& local, const config::RepmgrConfig& config,
                       const cluster::NodeRecord& local_record,
                       const std::vector<cluster::NodeRecord>& nodes);

}  // namespace pgwarden::cli::standby
