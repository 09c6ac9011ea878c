#include "tcp_flood.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace pgwarden::test {

ClientFd::~ClientFd() {
    if (fd_ >= 0)
        ::close(fd_);
}

ClientFd& ClientFd::operator=(ClientFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

namespace {

sockaddr_in ipv4(const std::string& address, int port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1)
        throw std::runtime_error(fmt::format("not an IPv4 address: {}", address));
    return sa;
}

void set_timeout(int fd, int option, std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

}  // namespace

ClientFd connect_from(const std::string& source, int port, std::chrono::milliseconds timeout) {
    ClientFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return fd;
    set_timeout(fd.get(), SO_SNDTIMEO, timeout);  // also bounds connect()
    set_timeout(fd.get(), SO_RCVTIMEO, timeout);
    const int one = 1;
    // Many connections from one source: let the kernel reuse local ports in TIME_WAIT.
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const auto local = ipv4(source, 0);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
        return {};
    const auto remote = ipv4("127.0.0.1", port);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0)
        return {};
    return fd;
}

std::size_t raise_own_fd_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return static_cast<std::size_t>(limit.rlim_cur);
}

std::vector<std::string> loopback_sources(int count, int third_octet) {
    std::vector<std::string> sources;
    for (int i = 1; i <= count; ++i)
        sources.push_back(fmt::format("127.0.{}.{}", third_octet, i));
    return sources;
}

std::vector<ClientFd> open_idle_keep_alive(int port, const std::vector<std::string>& sources,
                                           int per_source, const std::string& request) {
    std::vector<ClientFd> kept;
    for (const auto& source : sources) {
        // One source at a time: connect and ask on all of its connections, then read them.
        std::vector<ClientFd> batch;
        for (int i = 0; i < per_source; ++i) {
            auto fd = connect_from(source, port);
            if (fd && ::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) ==
                          static_cast<ssize_t>(request.size()))
                batch.push_back(std::move(fd));
        }
        for (auto& fd : batch) {
            char buffer[512];
            const auto n = ::recv(fd.get(), buffer, sizeof buffer, 0);
            constexpr std::string_view kOk = "HTTP/1.1 200";
            if (n >= static_cast<ssize_t>(kOk.size()) &&
                std::string_view(buffer, kOk.size()) == kOk)
                kept.push_back(std::move(fd));
        }
    }
    return kept;
}

ConnectionFlood::ConnectionFlood(int port, std::string source, std::size_t hold,
                                 std::size_t max_connects)
    : thread_([this, port, source = std::move(source), hold, max_connects] {
          run(port, source, hold, max_connects);
      }) {}

ConnectionFlood::~ConnectionFlood() {
    stop();
}

void ConnectionFlood::stop() {
    stopping_ = true;
    if (thread_.joinable())
        thread_.join();
}

void ConnectionFlood::run(int port, std::string source, std::size_t hold,
                          std::size_t max_connects) {
    std::deque<ClientFd> held;
    while (!stopping_ && connects_ < max_connects) {
        auto fd = connect_from(source, port, std::chrono::milliseconds(1000));
        if (!fd)
            continue;  // the backlog was full, or ports ran out for a moment
        ++connects_;
        held.push_back(std::move(fd));
        if (held.size() > hold) {
            // Reset, not closed: a close leaves this side's port in TIME_WAIT for 60 s, and
            // with some 28,000 ports per source a flood would soon wait for ports, not the
            // server (a second run within a minute flooded at a tenth of the rate).
            const linger reset{1, 0};
            ::setsockopt(held.front().get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
            held.pop_front();
        }
    }
}

}  // namespace pgwarden::test
