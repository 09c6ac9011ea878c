// The signals pgwardend answers, as repmgrd: SIGHUP re-reads repmgr.conf and reopens log_file;
// SIGINT and SIGTERM stop it (after the repmgrd_shutdown event).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <functional>
#include <optional>

namespace pgwarden::daemon {

enum class SignalAction { reload, stop };

// What `signal_number` asks of the daemon; nothing for a signal it does not handle.
std::optional<SignalAction> action_for_signal(int signal_number);

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
