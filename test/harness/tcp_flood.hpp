// Many client connections from chosen loopback source addresses (127.0.0.0/8 is all local), for
// tests and benchmarks of a server under hogs and floods: idle keep-alive connections, and a
// flood of new connections from one source.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

namespace pgwarden::test {

// An fd closed on destruction.
class ClientFd {
  public:
    ClientFd() = default;
    explicit ClientFd(int fd) : fd_(fd) {}
    ~ClientFd();
    ClientFd(ClientFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    ClientFd& operator=(ClientFd&& other) noexcept;
    ClientFd(const ClientFd&) = delete;
    ClientFd& operator=(const ClientFd&) = delete;
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
};

// A blocking TCP connection from `source` (any local port) to 127.0.0.1:port, with send and
// receive timeouts of `timeout`; an empty ClientFd when the connect failed.
ClientFd connect_from(const std::string& source, int port,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the new soft limit.
std::size_t raise_own_fd_limit();

// Opens `per_source` connections from each of `sources`, sends `request` on each and waits for
// the start of an answer ("HTTP/1.1 200"), so every kept connection is an idle keep-alive one.
// Returns the connections that were answered 200 and are still open.
std::vector<ClientFd> open_idle_keep_alive(int port, const std::vector<std::string>& sources,
                                           int per_source, const std::string& request);

// "127.0.1.1" .. "127.0.1.<count>": distinct loopback sources.
std::vector<std::string> loopback_sources(int count, int third_octet = 1);

// A thread opening new connections from `source` as fast as the server accepts them, each
// sending nothing (a slow-loris), holding the newest `hold` and resetting older ones, until
// `max_connects` connects or stop().
class ConnectionFlood {
  public:
    ConnectionFlood(int port, std::string source, std::size_t hold, std::size_t max_connects);
    ~ConnectionFlood();
    ConnectionFlood(const ConnectionFlood&) = delete;
    ConnectionFlood& operator=(const ConnectionFlood&) = delete;

    void stop();
    std::size_t connects() const { return connects_.load(); }

  private:
    void run(int port, std::string source, std::size_t hold, std::size_t max_connects);

    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> connects_{0};
    std::thread thread_;
};

}  // namespace pgwarden::test
