// Which of a primary step's events must be written together with its fence, and in which
// order: the primary machine asks for a fence and its event side by side, but a fenced server
// (read-only, stopped) can no longer take the row. Pure: fencing_io writes them.
#pragma once

#include "failover/actions.hpp"

#include <optional>
#include <vector>

namespace pgwarden::daemon {

struct FenceJob {
    enum class Kind {
        fence,   // the rows first (the server still writable), then the fence action
        lift,    // the lift first, then the rows (the server writable again)
        fenced,  // the node stays fenced: the rows alone, where they can be written
    };
    Kind kind = Kind::fenced;
    failover::FenceAction action = failover::FenceAction::probe;
    std::vector<failover::RecordEvent> events;
};

struct FencePlan {
    // The step's actions but the events the job takes, in their order (Fence and LiftFence stay:
    // the lease and the log lines are the loop's, at once).
    std::vector<failover::PrimaryAction> actions;
    std::optional<FenceJob> job;
};

// `fenced_after`: the machine is fenced once the step is done.
FencePlan plan_fence_events(const std::vector<failover::PrimaryAction>& actions, bool fenced_after);

}  // namespace pgwarden::daemon
