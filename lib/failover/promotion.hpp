// Whether the winner of an election may promote itself: repmgrd 5.3's promote_self needs this
// node's own record to name an upstream (without one the metadata is stale) unless
// always_promote is set. No libpq, no Asio: the daemon reads the record, this file decides.
#pragma once

#include <string>

namespace pgwarden::failover {

struct PromotionInput {
    int node_id = 0;
    // This node's record in repmgr.nodes names an upstream node (not NULL).
    bool record_has_upstream = true;
    bool always_promote = false;  // repmgr.conf
};

struct PromotionDecision {
    bool allowed = true;
    std::string reason;  // why, for the log and the event; empty when nothing is unusual
    std::string hint;    // a refusal: what the operator can do about it
};

PromotionDecision may_promote(const PromotionInput& input);

}  // namespace pgwarden::failover
