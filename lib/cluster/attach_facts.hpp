// What failover::attach_refusal needs about this node and a node it would stream from, read over
// libpq: IDENTIFY_SYSTEM on replication connections to both, this node's newest WAL position and,
// when the target is on a later timeline, where this node's timeline ends in its history.
#pragma once

#include "cluster/node_record.hpp"
#include "failover/attach.hpp"
#include "model/lsn.hpp"
#include "pg/connection.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace pgwarden::cluster {

// IDENTIFY_SYSTEM over a replication connection made from `conninfo`.
struct SystemIdentity {
    std::string system_id;
    std::uint32_t timeline = 0;
    model::Lsn lsn;
};
std::optional<SystemIdentity> identify_system(const std::string& conninfo);
// TIMELINE_HISTORY tli: the history file's content.
std::optional<std::string> timeline_history(const std::string& conninfo, std::uint32_t tli);

// A standby's newest WAL position: the later of received and replayed; a primary's current one.
std::optional<model::Lsn> current_lsn(pg::Connection& conn);

struct GatheredAttachFacts {
    std::optional<failover::AttachFacts> facts;  // nullopt: they could not be read, see error
    std::string error;                           // repmgr's message for what could not be read
    std::string hint;                            // what to check; may be empty
};

// The facts about this node (reached through `local`, whose conninfo also opens the replication
// connection) and `target`, as repmgr's check_node_can_attach reads them. Never throws.
GatheredAttachFacts gather_attach_facts(pg::Connection& local, const NodeRecord& target);

}  // namespace pgwarden::cluster
