#include "systemd_notify.hpp"

#include "config/config_error.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace pgwarden::daemon {

namespace {

constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path);

std::string os_error(int error) {
    return std::system_category().message(error);
}

}  // namespace

SystemdNotifier SystemdNotifier::from_environment() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    return SystemdNotifier(socket != nullptr ? socket : "");
}

SystemdNotifier::SystemdNotifier(std::string socket) : socket_(std::move(socket)) {
    if (socket_.empty())
        return;
    if (socket_.front() != '/' && socket_.front() != '@') {
        throw std::runtime_error(fmt::format(
            "NOTIFY_SOCKET={} is neither an absolute path nor an abstract \"@name\"; this "
            "systemd is not supported: run with Type=forking (etc/pgwardend-forking.service)",
            config::quote_for_message(socket_)));
    }
    // An abstract name has no terminating NUL, a path needs one.
    const std::size_t needed = socket_.front() == '@' ? socket_.size() : socket_.size() + 1;
    if (needed > kMaxSocketPath || (socket_.front() == '@' && socket_.size() < 2)) {
        throw std::runtime_error(fmt::format(
            "NOTIFY_SOCKET={} is not a usable Unix socket address (at most {} bytes, and an "
            "abstract name needs at least one character after '@')",
            config::quote_for_message(socket_), kMaxSocketPath - 1));
    }
}

std::optional<std::string> SystemdNotifier::notify(std::string_view state) const {
    if (!enabled())
        return std::nullopt;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_.data(), socket_.size());
    if (socket_.front() == '@')
        address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size() +
                                               (socket_.front() == '@' ? 0 : 1));

    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fmt::format("systemd notification: socket(): {}", os_error(errno));
    const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr*>(&address), length);
    const int error = errno;
    ::close(fd);
    if (sent < 0) {
        return fmt::format("systemd notification {} to {} failed: {}",
                           config::quote_for_message(state), config::quote_for_message(socket_),
                           os_error(error));
    }
    return std::nullopt;
}

std::optional<std::string> SystemdNotifier::ready() const {
    return notify("READY=1");
}

std::optional<std::string> SystemdNotifier::reloading() const {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
    return notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", usec));
}

std::optional<std::string> SystemdNotifier::stopping() const {
    return notify("STOPPING=1");
}

std::optional<std::string> SystemdNotifier::status(std::string_view text) const {
    std::string line(text);
    for (char& c : line) {
        if (c == '\n' || c == '\r')
            c = ' ';
    }
    return notify("STATUS=" + line);
}

}  // namespace pgwarden::daemon
