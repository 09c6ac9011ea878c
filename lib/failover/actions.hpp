// What the failover machines ask the daemon to do: one small struct per action, gathered in a
// variant per machine, so the daemon performs them with std::visit and a new action cannot be
// left unhandled (it fails to compile instead).
#pragma once

#include "failover/fencing.hpp"
#include "failover/handover.hpp"

#include <chrono>
#include <string>
#include <variant>

namespace pgwarden::failover {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// --- asked for by either machine ---

// A row in repmgr.events (and event_notification_command), as repmgrd records it.
struct RecordEvent {
    std::string event;
    bool successful = true;
    std::string detail;
};
// The daemon must exit (repmgr's ERR_MONITORING_TIMEOUT); detail: why.
struct GiveUp {
    std::string detail;
};
// Is the local PostgreSQL up, and in recovery or not?
struct CheckLocal {};

enum class Severity { info, warning, error };
// A line the operator must read in the log (a refusal and what to do about it).
struct Explain {
    Severity severity = Severity::info;
    std::string message;
    std::string hint;  // empty: none
};

// --- the standby's machine (a witness runs it too, never electing) ---

// One check of the upstream with connection_check_type; answered with upstream_alive/lost.
struct CheckUpstream {};
// get_new_primary() and a scan of the registered nodes; answered with new_primary when found.
struct LookForPrimary {};
// Gather the views, decide the election, take the election lock; answered with its verdict.
struct RunElection {};
// promote_command and its wait; answered with promote_succeeded/failed.
struct Promote {};
// follow_command with %n = node_id; answered with follow_succeeded/failed.
struct Follow {
    int node_id = 0;
};
// This node was promoted: from now on the daemon runs the primary's machine. `outside`: how a
// promotion this daemon did not make was seen (empty: its own promote job, after it won the
// election holding the lock). Such a node holds no lease from an election: it must confirm its
// standing like any primary, and gets no primary lease before `first_lease_at`, when a primary
// it may have superseded has seen it or its last lease has run out.
struct BecomePrimary {
    std::string outside;
    TimePoint first_lease_at{};
};
// This node's record active or not, on the primary (standby_failure / standby_recovery).
struct SetLocalActive {
    bool active = true;
};

// --- the primary's machine ---

// Which registered standbys stream from this node now?
struct CheckChildren {};
// child_nodes_disconnect_command, once per episode; detail: the counts.
struct RunChildDisconnectCommand {
    std::string detail;
};
// The local node came back as a standby: from now on the daemon runs the standby's machine.
struct BecomeStandby {};
// Every other registered node, over this daemon's own connections: reachable, in recovery,
// timeline, what its metadata says; answered with peers_seen.
struct CheckPeers {};
// The lease the probe trusts: this node may answer 200 until `valid_until`.
struct RenewLease {
    TimePoint valid_until;
    std::string reason;
};
// This node lost its standing: the lease says fenced (the probe answers 503) and `action` is
// applied to the server.
struct Fence {
    FenceAction action = FenceAction::probe;
    std::string reason;
};
// Standing regained before anyone was promoted: what `action` did to the server is undone.
struct LiftFence {
    FenceAction action = FenceAction::probe;
    std::string reason;
};

// A planned switchover asked this node to hand over to a standby (handover.hpp): the lease says
// fenced at once (the probe answers 503 and HAProxy drains the node), then the daemon drains,
// stops the server and rejoins or restarts it; answered with handover_done.
struct HandOver {
    HandoverRequest request;
};

using StandbyAction =
    std::variant<CheckUpstream, LookForPrimary, RunElection, Promote, Follow, BecomePrimary,
                 SetLocalActive, CheckLocal, RecordEvent, Explain, GiveUp>;
using PrimaryAction =
    std::variant<CheckLocal, CheckChildren, RunChildDisconnectCommand, BecomeStandby, CheckPeers,
                 RenewLease, Fence, LiftFence, HandOver, RecordEvent, GiveUp>;

// "follow 3", "record_event repmgrd_upstream_disconnect", ... for the debug log.
std::string describe(const StandbyAction& action);
std::string describe(const PrimaryAction& action);

}  // namespace pgwarden::failover
