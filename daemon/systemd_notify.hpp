// sd_notify(3) without libsystemd: state changes sent as datagrams to $NOTIFY_SOCKET, so a
// Type=notify unit knows when pgwardend is ready, reloading or stopping. A no-op outside systemd.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::daemon {

class SystemdNotifier {
  public:
    // The socket named by $NOTIFY_SOCKET; disabled when it is unset or empty. Throws
    // std::runtime_error (at start-up) for a value that is not an absolute path or "@name".
    static SystemdNotifier from_environment();

    // `socket` as systemd passes it: "/run/systemd/notify", or "@name" for the abstract
    // namespace; empty: disabled. Throws std::runtime_error as above.
    explicit SystemdNotifier(std::string socket);

    bool enabled() const { return !socket_.empty(); }
    const std::string& socket() const { return socket_; }

    // Each sends one datagram and returns the error text if it could not be sent (nothing when
    // sent or disabled): inside the running loop a failed notification is logged, not thrown.
    std::optional<std::string> ready() const;
    // "RELOADING=1" with MONOTONIC_USEC, as Type=notify-reload (systemd 253+) requires; send
    // ready() again when the reload is done.
    std::optional<std::string> reloading() const;
    std::optional<std::string> stopping() const;
    // STATUS=<text> (shown by systemctl status); line breaks become spaces, as it is one line.
    std::optional<std::string> status(std::string_view text) const;
    // Any assignments, one per line ("READY=1\nSTATUS=...").
    std::optional<std::string> notify(std::string_view state) const;

  private:
    std::string socket_;
};

}  // namespace pgwarden::daemon
