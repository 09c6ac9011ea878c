#include "accept_checker.hpp"

#include "log/log.hpp"
#include "text/conninfo.hpp"

#include <algorithm>

namespace pgwarden::probe {

namespace asio = boost::asio;

AcceptChecker::AcceptChecker(asio::io_context& io, AcceptCheckSettings settings, Metrics& metrics)
    : settings_(std::move(settings)),
      metrics_(metrics),
      health_(settings_.timing),
      conn_(io),
      resolver_(io),
      interval_timer_(io),
      deadline_timer_(io) {
    // Its own name, so the short-lived sessions are told apart from the probe's one backend.
    settings_.conninfo = text::with_default(settings_.conninfo, "fallback_application_name",
                                            "pgwarden-probe accept check");
}

void AcceptChecker::start() {
    stopped_ = false;
    start_attempt();
}

void AcceptChecker::stop() {
    stopped_ = true;
    interval_timer_.cancel();
    deadline_timer_.cancel();
    resolver_.cancel();
    conn_.close();
    attempt_in_flight_ = false;
}

void AcceptChecker::note_connect_result(const std::string& error) {
    if (error.empty())
        health_.record_success(Clock::now());
    else
        health_.record_failure(error);
}

bool AcceptChecker::accepting() {
    const auto now = Clock::now();
    if (auto change = health_.take_change(now)) {
        if (change->accepting) {
            log::notice("PostgreSQL accepts new connections again");
        } else {
            log::warning(
                "PostgreSQL does not accept new connections ({}); answering 503 to "
                "every role check",
                change->reason);
        }
    }
    const bool verdict = health_.verdict(now).accepting;
    metrics_.set_accepting(verdict);
    return verdict;
}

void AcceptChecker::start_attempt() {
    attempt_in_flight_ = true;
    attempt_start_ = Clock::now();
    deadline_timer_.expires_at(attempt_start_ + settings_.timing.timeout);
    deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !attempt_in_flight_)
            return;
        // A frozen postmaster completes the TCP handshake (the kernel's backlog) and then never
        // answers the startup packet: only this deadline ends the attempt.
        resolver_.cancel();
        conn_.close();
        finish_attempt(fmt::format("no answer within {} ms", settings_.timing.timeout.count()));
    });
    resolver_.resolve(
        settings_.conninfo, [this](const std::string& conninfo, const std::string& resolve_error) {
            if (!attempt_in_flight_)
                return;
            if (!resolve_error.empty()) {
                deadline_timer_.cancel();
                finish_attempt(resolve_error);
                return;
            }
            conn_.async_connect(conninfo, [this](const std::string& error) {
                if (!attempt_in_flight_)
                    return;
                deadline_timer_.cancel();
                conn_.close();  // the point was the connect; a backend held open would be wasted
                finish_attempt(error);
            });
        });
}

void AcceptChecker::finish_attempt(const std::string& error) {
    attempt_in_flight_ = false;
    if (!error.empty()) {
        metrics_.count_accept_failure();
        log::debug("accept check failed: {}", error);
    }
    note_connect_result(error);
    accepting();  // logs a change even while no HTTP check arrives
    schedule_next_attempt();
}

void AcceptChecker::schedule_next_attempt() {
    if (stopped_)
        return;
    // Start to start, so the rate never exceeds one per interval however long an attempt took.
    interval_timer_.expires_at(std::max(attempt_start_ + settings_.timing.interval, Clock::now()));
    interval_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !stopped_)
            start_attempt();
    });
}

}  // namespace pgwarden::probe
