#include "signals.hpp"

#include "log/log.hpp"

#include <csignal>
#include <exception>

namespace pgwarden::daemon {

std::optional<SignalAction> action_for_signal(int signal_number) {
    switch (signal_number) {
        case SIGHUP:
            return SignalAction::reload;
        case SIGINT:
        case SIGTERM:
            return SignalAction::stop;
        default:
            return std::nullopt;
    }
}

StartupSignalHold::StartupSignalHold() {
    sigset_t held;
    sigemptyset(&held);
    sigaddset(&held, SIGHUP);
    sigaddset(&held, SIGINT);
    sigaddset(&held, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &held, &previous_);
}

StartupSignalHold::~StartupSignalHold() {
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

SignalWatcher::SignalWatcher(boost::asio::io_context& io, Handler on_signal)
    : signals_(io, SIGHUP, SIGINT, SIGTERM), on_signal_(std::move(on_signal)) {
    arm();
}

void SignalWatcher::cancel() {
    boost::system::error_code ignored;
    signals_.cancel(ignored);
}

void SignalWatcher::arm() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
        if (ec)
            return;  // cancelled: the watcher is going away
        if (const auto action = action_for_signal(signal_number)) {
            try {
                on_signal_(*action, signal_number);
            } catch (const std::exception& e) {
                log::error("handling signal {} failed: {}", signal_number, e.what());
            }
        }
        arm();
    });
}

}  // namespace pgwarden::daemon
