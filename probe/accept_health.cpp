#include "accept_health.hpp"

#include <fmt/format.h>

#include <utility>

namespace pgwarden::probe {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

void AcceptHealth::record_success(Clock::time_point at) {
    last_success_ = at;
    latest_ok_ = true;
    last_error_.clear();
}

void AcceptHealth::record_failure(std::string error) {
    latest_ok_ = false;
    last_error_ = std::move(error);
}

AcceptHealth::Clock::duration AcceptHealth::stale_after() const {
    return kAcceptStaleIntervals * timing_.interval + timing_.timeout;
}

AcceptVerdict AcceptHealth::verdict(Clock::time_point now) const {
    if (!latest_ok_)
        return {false, "no new connection has been tried yet"};
    if (!*latest_ok_)
        return {false, fmt::format("a new connection failed: {}", last_error_)};
    if (now - *last_success_ > stale_after()) {
        return {false, fmt::format("no new connection succeeded in the last {} ms",
                                   duration_cast<milliseconds>(now - *last_success_).count())};
    }
    return {true, {}};
}

std::optional<AcceptVerdict> AcceptHealth::take_change(Clock::time_point now) {
    if (!latest_ok_)
        return std::nullopt;  // nothing tried yet: nothing to report
    auto current = verdict(now);
    if (current.accepting == reported_accepting_)
        return std::nullopt;
    reported_accepting_ = current.accepting;
    return current;
}

}  // namespace pgwarden::probe
