// The replication record's content: what a daemon keeps on disk beside its lease (lib/lease
// writes the file), in a text form, and the rule by which the probe reads this node's
// sync_state from it. Pure.
#pragma once

#include "failover/sync_replication.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::failover {

// What a daemon keeps on disk beside its lease: the last snapshot (so a restarted daemon still
// knows it, and the probe and service status can show it) and why its last election promoted
// nobody, when it did not.
struct ReplicationRecord {
    std::string node_name;  // the writing daemon's node: its application_name in the snapshot
    std::optional<SyncSnapshot> snapshot;
    std::string election_refusal;
};

// This node's sync_state in a record still valid (this boot, before valid_until_ms); nothing when
// the record is stale, from another boot, or does not show this node streaming.
std::optional<std::string> fresh_sync_state(const ReplicationRecord& record,
                                            std::string_view boot_id, std::int64_t now_ms);
// "key=value" lines, one "standby=state,flush_lsn,name" line per walsender, and one
// "departed_standby=..." line per departed synchronous standby.
std::string format_replication_record(const ReplicationRecord& record);
std::optional<ReplicationRecord> parse_replication_record(std::string_view text,
                                                          std::string* error);

}  // namespace pgwarden::failover
