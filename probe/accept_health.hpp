// Whether the local server still accepts new connections, judged from fresh connection attempts.
// Pure: time is passed in, so a test steps through a frozen postmaster with a fake clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pgwarden::probe {

struct AcceptTiming {
    std::chrono::milliseconds interval{1000};  // between the starts of two accept checks
    std::chrono::milliseconds timeout{2000};   // one attempt; slower counts as a failure
};

// Without a success for this many intervals (plus one attempt's timeout) the verdict fails even
// when no attempt reported a failure, so a check that stopped running cannot keep a 200 alive.
inline constexpr int kAcceptStaleIntervals = 3;

struct AcceptVerdict {
    bool accepting = false;
    std::string reason;  // for the log line; empty when accepting
};

class AcceptHealth {
  public:
    using Clock = std::chrono::steady_clock;

    explicit AcceptHealth(AcceptTiming timing) : timing_(timing) {}

    // A fresh connection completed: the accept check's, or any other the probe made.
    void record_success(Clock::time_point at);
    // An accept check failed or timed out; `error` says why (no secrets: libpq's message).
    void record_failure(std::string error);

    // Accepting when the latest result is a success no older than the stale bound. Before any
    // result: not accepting, which costs nothing, as the first check's own connect is a success.
    AcceptVerdict verdict(Clock::time_point now) const;

    // The verdict when it differs from the one this returned last (at first, from "accepting"),
    // so each change is logged once and a probe that starts healthy logs nothing. Nothing before
    // the first result.
    std::optional<AcceptVerdict> take_change(Clock::time_point now);

    Clock::duration stale_after() const;

  private:
    AcceptTiming timing_;
    std::optional<Clock::time_point> last_success_;
    std::optional<bool> latest_ok_;  // empty until the first result
    std::string last_error_;
    bool reported_accepting_ = true;
};

}  // namespace pgwarden::probe
