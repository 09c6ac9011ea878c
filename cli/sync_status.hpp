// What `service status` adds for the local node's view of synchronous replication: what its
// pgwardend last saw of the primary's synchronous standbys, and why its last election promoted
// nobody. Pure: service.cpp reads the replication record beside the lease.
#pragma once

#include "failover/replication_record.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace pgwarden::cli {

struct SyncStatusView {
    int node_id = 0;
    std::string path;
    bool file_exists = false;
    std::optional<failover::ReplicationRecord> record;
    std::string read_error;
    std::int64_t now_unix = 0;
};

// Nothing where pgwardend never wrote a record; otherwise the section, each line ending in '\n':
//   Synchronous replication as node 3 (this node) last saw it on node 1, 2 s ago:
//     synchronous_standby_names = 'FIRST 1 (node2, node3)', synchronous_commit = on
//     node2: sync (flushed to 0/5000060)
//     Last election promoted nobody: ...
std::optional<std::string> format_sync_status(const SyncStatusView& view);

}  // namespace pgwarden::cli
