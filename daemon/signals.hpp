// The signals pgwardend answers, as repmgrd: SIGHUP re-reads repmgr.conf and reopens log_file;
// SIGINT and SIGTERM stop it (after the repmgrd_shutdown event).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <signal.h>

#include <functional>
#include <optional>

namespace pgwarden::daemon {

enum class SignalAction { reload, stop };

// What `signal_number` asks of the daemon; nothing for a signal it does not handle.
std::optional<SignalAction> action_for_signal(int signal_number);

// Holds SIGHUP, SIGINT and SIGTERM pending (blocked) from construction until the destructor
// restores the previous mask. Start-up takes the PID file and publishes the PID before the
// SignalWatcher exists; a SIGTERM then would kill the daemon with its default action and leave
// both behind. Held, it reaches the watcher (a clean stop) or, when start-up fails, arrives once
// the PID file is gone. Construct it before any thread starts, so every thread inherits it.
class StartupSignalHold {
  public:
    StartupSignalHold();
    ~StartupSignalHold();
    StartupSignalHold(const StartupSignalHold&) = delete;
    StartupSignalHold& operator=(const StartupSignalHold&) = delete;

  private:
    sigset_t previous_;
};

// Watches SIGHUP, SIGINT and SIGTERM on the io_context and calls `on_signal` for each one
// received, on the loop's thread, for as long as the watcher lives (it re-arms itself). An
// exception from `on_signal` is logged and swallowed, never thrown out of the Asio handler.
// Construct before the daemon's first blocking wait, so an early SIGTERM is not lost.
class SignalWatcher {
  public:
    using Handler = std::function<void(SignalAction action, int signal_number)>;

    SignalWatcher(boost::asio::io_context& io, Handler on_signal);
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    // Stops watching; the default actions apply again after the watcher is destroyed.
    void cancel();

  private:
    void arm();

    boost::asio::signal_set signals_;
    Handler on_signal_;
};

}  // namespace pgwarden::daemon
