#include "fence_events.hpp"

#include <variant>

namespace pgwarden::daemon {

FencePlan plan_fence_events(const std::vector<failover::PrimaryAction>& actions,
                            bool fenced_after) {
    FencePlan plan;
    FenceJob job;
    bool fence_or_lift = false;
    for (const auto& action : actions) {
        if (const auto* fence = std::get_if<failover::Fence>(&action)) {
            job.kind = FenceJob::Kind::fence;
            job.action = fence->action;
            fence_or_lift = true;
        } else if (const auto* lift = std::get_if<failover::LiftFence>(&action)) {
            job.kind = FenceJob::Kind::lift;
            job.action = lift->action;
            fence_or_lift = true;
        }
    }
    if (!fence_or_lift && !fenced_after) {
        plan.actions = actions;
        return plan;
    }
    for (const auto& action : actions) {
        if (const auto* event = std::get_if<failover::RecordEvent>(&action))
            job.events.push_back(*event);
        else
            plan.actions.push_back(action);
    }
    if (fence_or_lift || !job.events.empty())
        plan.job = std::move(job);
    return plan;
}

}  // namespace pgwarden::daemon
