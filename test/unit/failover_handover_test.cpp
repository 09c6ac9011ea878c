// A planned switchover's decisions on the old primary (failover/handover.hpp) and the primary
// machine's hand-over rows, on a fake clock; and the switchover command's reading of pg_waldump.
#include "failover/handover.hpp"
#include "failover/primary_monitor.hpp"
#include "switchover_wal.hpp"

#include <catch2/catch.hpp>

#include <variant>

using namespace pgwarden::failover;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint{} + 1000s;

template <typename What>
const What* find(const PrimaryStep& step) {
    for (const auto& a : step.actions)
        if (const auto* found = std::get_if<What>(&a))
            return found;
    return nullptr;
}

PrimaryTiming timing() {
    PrimaryTiming t;
    t.monitor_interval = 1s;
    t.fence.action = FenceAction::probe;
    t.fence.timeout = 5s;
    return t;
}

PrimaryObservation requested(long id) {
    PrimaryObservation o;
    o.what = PrimaryObserved::switchover_requested;
    HandoverRequest request;
    request.id = id;
    request.candidate_node_id = 2;
    o.request = request;
    return o;
}

PrimaryObservation done(bool claimed) {
    PrimaryObservation o;
    o.what = PrimaryObserved::handover_done;
    o.claimed = claimed;
    return o;
}

StandingVerdict confirmed() {
    StandingVerdict v;
    v.standing = Standing::confirmed;
    v.reason = "confirmed";
    return v;
}

}  // namespace

TEST_CASE("the drain ends at its time, or once HAProxy's sessions are gone", "[handover]") {
    DrainView view;
    view.drain = 3s;
    CHECK_FALSE(drain_finished(view));
    view.elapsed = 3s;
    CHECK(drain_finished(view));
    // Sessions that were there and are gone: HAProxy marked the node down (shutdown-sessions).
    view.elapsed = 1500ms;
    view.had_sessions = true;
    CHECK(drain_finished(view));
    view.client_sessions = 2;
    CHECK_FALSE(drain_finished(view));
    // Before HAProxy's first check interval an empty node says nothing yet.
    view.client_sessions = 0;
    view.elapsed = 500ms;
    CHECK_FALSE(drain_finished(view));
    // Never any session: the whole drain time.
    view.had_sessions = false;
    view.elapsed = 2s;
    CHECK_FALSE(drain_finished(view));
}

TEST_CASE(
    "after its stop the old primary rejoins a promoted candidate, restarts only when "
    "the command gave up",
    "[handover]") {
    AfterStopView view;
    view.candidate_reachable = true;
    view.marker = MarkerSeen::waiting;
    CHECK(after_stop(view) == AfterStop::keep_waiting);

    // Promoted, but not recorded yet: node rejoin would find the old metadata.
    view.candidate_in_recovery = false;
    CHECK(after_stop(view) == AfterStop::keep_waiting);
    view.candidate_recorded_primary = true;
    CHECK(after_stop(view) == AfterStop::rejoin);
    view.marker = MarkerSeen::abort;  // promoted anyway: following it is the only safe way
    CHECK(after_stop(view) == AfterStop::rejoin);
    // Promoted by a command that is gone before recording it: rejoin (and say what failed).
    view.candidate_recorded_primary = false;
    view.marker = MarkerSeen::none;
    CHECK(after_stop(view) == AfterStop::rejoin);

    // Still a standby and the command gave up: start again.
    view.marker = MarkerSeen::abort;
    view.candidate_in_recovery = true;
    CHECK(after_stop(view) == AfterStop::restart_as_primary);

    // The command vanished: a promotion it started has kMarkerGrace to show.
    view.marker = MarkerSeen::none;
    view.marker_absent_for = kMarkerGrace - 1s;
    CHECK(after_stop(view) == AfterStop::keep_waiting);
    view.marker_absent_for = kMarkerGrace;
    CHECK(after_stop(view) == AfterStop::restart_as_primary);

    // An unreachable candidate may be a primary: never restart, at most stay down.
    view.candidate_reachable = false;
    view.marker_absent_for = 0ms;
    view.waited = kAfterStopLimit - 1s;
    CHECK(after_stop(view) == AfterStop::keep_waiting);
    view.waited = kAfterStopLimit;
    CHECK(after_stop(view) == AfterStop::stay_down);
}

TEST_CASE("the marker names the request and what the command decided", "[handover]") {
    CHECK(read_marker(marker_name(7, false), 7) == MarkerSeen::waiting);
    CHECK(read_marker(marker_name(7, true), 7) == MarkerSeen::abort);
    CHECK(read_marker(marker_name(7, true), 8) == MarkerSeen::none);
    CHECK(read_marker("psql", 7) == MarkerSeen::none);
}

TEST_CASE("a primary holding its standing hands over and renews no lease meanwhile", "[handover]") {
    PrimaryMonitor monitor(timing(), t0);
    monitor.tick(t0);
    monitor.peers(confirmed(), t0, t0);
    const auto step = monitor.handle(requested(4), t0 + 1s);
    const auto* hand_over = find<HandOver>(step);
    REQUIRE(hand_over != nullptr);
    CHECK(hand_over->request.id == 4);
    CHECK(monitor.state() == PrimaryState::handing_over);

    // No check starts and a confirmation that was under way renews nothing.
    CHECK(monitor.tick(t0 + 2s).actions.empty());
    CHECK(find<RenewLease>(monitor.peers(confirmed(), t0 + 2s, t0 + 2s)) == nullptr);
    // Long past the lease: no fence either (the lease already says fenced, on purpose).
    CHECK(find<Fence>(monitor.tick(t0 + 60s)) == nullptr);

    // Over: the local checks say what the node is now; back as a primary it must be confirmed
    // before a lease is renewed.
    monitor.handle(done(true), t0 + 61s);
    CHECK(monitor.state() == PrimaryState::local_down);
    REQUIRE(find<CheckLocal>(monitor.tick(t0 + 61s)));
    monitor.local(LocalSeen::standby, "", t0 + 62s);
    CHECK(monitor.state() == PrimaryState::handed_over);
}

TEST_CASE(
    "a withdrawn request leaves the primary as it was, and an isolated one hands nothing over",
    "[handover]") {
    PrimaryMonitor monitor(timing(), t0);
    monitor.tick(t0);
    monitor.peers(confirmed(), t0, t0);
    monitor.handle(requested(1), t0 + 1s);
    monitor.handle(done(false), t0 + 2s);
    CHECK(monitor.state() == PrimaryState::running);

    StandingVerdict none;
    none.standing = Standing::isolated;
    monitor.tick(t0 + 3s);
    monitor.peers(none, t0 + 3s, t0 + 3s);
    REQUIRE(monitor.state() == PrimaryState::isolated);
    CHECK(find<HandOver>(monitor.handle(requested(2), t0 + 4s)) == nullptr);
    CHECK(monitor.state() == PrimaryState::isolated);
}

TEST_CASE("pg_waldump's tail: the shutdown checkpoint must be the last record",
          "[handover][switchover]") {
    using pgwarden::cli::switchover::parse_waldump;
    const std::string clean =
        "rmgr: XLOG        len (rec/tot):     30/    30, tx:          0, lsn: 0/01500790, prev "
        "0/01500718, desc: NEXTOID 24576\n"
        "rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/015261F0, prev "
        "0/01526058, desc: CHECKPOINT_SHUTDOWN redo 0/15261F0; tli 1; shutdown\n"
        "pg_waldump: error: error in WAL record at 0/15261F0: invalid record length at "
        "0/1526268: wanted 24, got 0\n";
    const auto tail = parse_waldump(clean);
    REQUIRE(tail.shutdown_checkpoint);
    CHECK(pgwarden::model::format_lsn(*tail.shutdown_checkpoint) == "0/15261F0");
    CHECK(tail.ends_with_shutdown_checkpoint());

    // Records after it (the primary started again and wrote), or none at all: not received.
    const std::string later =
        "rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/015261F0, prev "
        "0/01526058, desc: CHECKPOINT_SHUTDOWN redo 0/15261F0; tli 1; shutdown\n"
        "pg_waldump: error: error in WAL record at 0/1526300: invalid record length at "
        "0/1526390: wanted 24, got 0\n";
    CHECK_FALSE(parse_waldump(later).ends_with_shutdown_checkpoint());
    CHECK_FALSE(parse_waldump("pg_waldump: error: could not find file \"000000010000000000000004\"")
                    .ends_with_shutdown_checkpoint());
}
