#include "failover/actions.hpp"

#include <fmt/format.h>

namespace pgwarden::failover {
namespace {

struct Describe {
    std::string operator()(const CheckUpstream&) const { return "check_upstream"; }
    std::string operator()(const LookForPrimary&) const { return "look_for_primary"; }
    std::string operator()(const RunElection&) const { return "run_election"; }
    std::string operator()(const Promote&) const { return "promote"; }
    std::string operator()(const Follow& a) const { return fmt::format("follow {}", a.node_id); }
    std::string operator()(const BecomePrimary& a) const {
        return a.outside.empty() ? "become_primary" : "become_primary (outside: " + a.outside + ")";
    }
    std::string operator()(const SetLocalActive& a) const {
        return fmt::format("set_local_active {}", a.active);
    }
    std::string operator()(const CheckLocal&) const { return "check_local"; }
    std::string operator()(const RecordEvent& a) const {
        return fmt::format("record_event {} ({})", a.event, a.successful ? "ok" : "failed");
    }
    std::string operator()(const Explain& a) const { return "explain: " + a.message; }
    std::string operator()(const GiveUp& a) const { return "give_up: " + a.detail; }
    std::string operator()(const CheckChildren&) const { return "check_children"; }
    std::string operator()(const RunChildDisconnectCommand& a) const {
        return "run_child_disconnect_command: " + a.detail;
    }
    std::string operator()(const BecomeStandby&) const { return "become_standby"; }
    std::string operator()(const CheckPeers&) const { return "check_peers"; }
    std::string operator()(const RenewLease& a) const { return "renew_lease: " + a.reason; }
    std::string operator()(const Fence& a) const {
        return fmt::format("fence ({}): {}", fence_action_name(a.action), a.reason);
    }
    std::string operator()(const LiftFence& a) const {
        return fmt::format("lift_fence ({}): {}", fence_action_name(a.action), a.reason);
    }
    std::string operator()(const HandOver& a) const {
        return fmt::format("hand_over: switchover {} to node {}", a.request.id,
                           a.request.candidate_node_id);
    }
};

}  // namespace

std::string describe(const StandbyAction& action) {
    return std::visit(Describe{}, action);
}

std::string describe(const PrimaryAction& action) {
    return std::visit(Describe{}, action);
}

}  // namespace pgwarden::failover
