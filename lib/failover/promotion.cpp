#include "failover/promotion.hpp"

#include <fmt/format.h>

namespace pgwarden::failover {

PromotionDecision may_promote(const PromotionInput& input) {
    if (input.record_has_upstream)
        return {true, {}, {}};
    if (input.always_promote)
        return {true,
                fmt::format("this node's record (ID: {}) has no upstream node, but "
                            "\"always_promote\" is set: promoting anyway",
                            input.node_id),
                {}};
    return {false,
            fmt::format("this node's record (ID: {}) has no upstream node, so its metadata may be "
                        "stale: not promoting",
                        input.node_id),
            "set \"always_promote=true\" in repmgr.conf to promote anyway, or "
            "re-register this node with \"standby register --force\""};
}

}  // namespace pgwarden::failover
