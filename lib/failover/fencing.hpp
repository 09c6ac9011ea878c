// Fencing without a consensus store: whether this primary may go on taking writes, judged from
// what its daemon saw of the other registered nodes over its own connections, and the timing
// that keeps an isolated primary's lease shorter than the wait before any standby promotes.
// Pure: the daemon gathers the views, writes the lease and applies the fence action.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::failover {

// What to do to a primary that has lost its standing (pgwarden.ini [daemon] fence-action).
enum class FenceAction {
    off,        // nothing: repmgrd's behaviour (the probe still follows the lease)
    probe,      // the probe answers 503 (the lease says fenced); the server keeps running
    read_only,  // also default_transaction_read_only = on and the client sessions terminated
    stop,       // also the server stopped (service_stop_command, else pg_ctl stop -m fast)
};
std::optional<FenceAction> parse_fence_action(std::string_view text);
std::string_view fence_action_name(FenceAction action);

struct FenceSettings {
    FenceAction action = FenceAction::read_only;
    // How long a primary's lease lasts after its last confirmation: an isolated primary stops
    // answering 200 at the latest this long after it last saw a majority.
    std::chrono::seconds timeout{10};
    // How long HAProxy may take to act on a 503 (inter + fastinter + two slow checks).
    std::chrono::seconds balancer_margin{6};
};

// The earliest a standby may be promoted after it first lost the primary: by then the old
// primary's lease has expired (it was confirmed last before the loss, so at most `timeout`
// before) and HAProxy has seen its 503. With repmgr's defaults (6 x 10 s) the reconnect
// window is longer already and nothing waits.
std::chrono::seconds promotion_guard(const FenceSettings& settings);

// One other registered node as the primary's daemon saw it this round.
struct PeerSeen {
    int node_id = 0;
    bool witness = false;
    bool reachable = false;  // a connection and the queries worked
    bool in_recovery = true;
    std::uint32_t timeline = 0;  // a standby's received timeline, a primary's current one
    // What that node's copy of repmgr.nodes says: the active primary it records (if any), and
    // whether it records this node as inactive (a promotion elsewhere marks the old primary so).
    std::optional<int> recorded_primary;
    bool records_self_inactive = false;
};

struct PrimaryEvidence {
    int self_id = 0;
    std::uint32_t own_timeline = 0;
    std::vector<PeerSeen> peers;  // every other active registered node, witness included
};

enum class Standing {
    confirmed,   // a majority seen, nobody newer: the lease may be renewed
    isolated,    // no majority seen: the lease runs out
    superseded,  // another node was promoted after this one: fenced at once
};
std::string_view standing_name(Standing standing);

struct StandingVerdict {
    Standing standing = Standing::isolated;
    int seen_nodes = 0;   // self included
    int total_nodes = 0;  // self, peers and witness
    int superseded_by = 0;
    std::string reason;  // one sentence for the log and the event
};

StandingVerdict judge_standing(const PrimaryEvidence& evidence);

}  // namespace pgwarden::failover
