// Whether this node can stream from another one (repmgr's check_node_can_attach), pure: the CLI's
// standby follow and the daemon's follow both ask it before repointing a standby.
#pragma once

#include "model/lsn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::failover {

// Where timeline `tli` ends according to a timeline history file's content (TIMELINE_HISTORY
// of a later timeline): the switchpoint of the line whose parent timeline is `tli`.
std::optional<model::Lsn> timeline_switchpoint(std::string_view history, std::uint32_t tli);

// A node can stream from a target when they come from the same system, the target is not behind
// on the same timeline, and, when the target is on a later timeline, this node had not gone past
// the point where that timeline forked off.
struct AttachFacts {
    std::string local_system_id;
    std::uint32_t local_tli = 0;
    model::Lsn local_lsn;
    std::string target_system_id;
    std::uint32_t target_tli = 0;
    model::Lsn target_lsn;  // the target's current (primary) or last received/replayed LSN
    std::optional<model::Lsn> fork_lsn;  // end of local_tli in the target's history, if later
};

// nullopt = can attach; otherwise the reason it cannot, in repmgr's words.
std::optional<std::string> attach_refusal(const AttachFacts& facts);

}  // namespace pgwarden::failover
