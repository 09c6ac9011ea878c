// The replication record on disk, beside the lease: pgwardend writes what it last saw of the
// primary's synchronous replication (and why its last election promoted nobody); a restarted
// pgwardend, `pgwarden service status` and pgwarden-probe's /sync and /async read it.
#pragma once

#include "failover/replication_record.hpp"

#include <optional>
#include <string>

namespace pgwarden::lease {

std::string replication_record_path(const std::string& directory, int node_id);

std::optional<std::string> write_replication_record(const std::string& path,
                                                    const failover::ReplicationRecord& record);

struct ReplicationLook {
    bool file_exists = false;
    std::optional<failover::ReplicationRecord> record;  // nothing: absent or unreadable
    std::string read_error;
};
ReplicationLook look_at_replication_record(const std::string& path);

}  // namespace pgwarden::lease
