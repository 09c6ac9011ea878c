#include "silent_link.hpp"

#include "run_command.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgwarden::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kCommandTimeout = 10s;
// How often the relay looks at stopping_ when nothing moves.
constexpr int kRelayPollMs = 100;
constexpr std::size_t kChunk = 64 * 1024;
constexpr const char* kTable = "pgwarden_silent";

std::atomic<int> link_counter{0};

[[noreturn]] void fail_errno(const std::string& what) {
    throw std::runtime_error(fmt::format("silent link: {}: {}", what, std::strerror(errno)));
}

void close_fd(int& fd) {
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// One direction of a relayed connection: bytes read from `from` and not yet written to `to`.
struct Direction {
    int from = -1;
    int to = -1;
    std::string pending;
};

struct Relayed {
    int client = -1;
    int server = -1;
    Direction up;    // client -> server
    Direction down;  // server -> client
    bool closed = false;

    void close() {
        close_fd(client);
        close_fd(server);
        closed = true;
    }
};

int connect_target(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

// Moves what one readiness allows; false when the connection ended.
bool pump(Direction& d, short revents) {
    if (d.pending.empty()) {
        if ((revents & (POLLIN | POLLHUP | POLLERR)) == 0)
            return true;
        char buffer[kChunk];
        const auto n = ::read(d.from, buffer, sizeof buffer);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        if (n == 0)
            return false;
        d.pending.assign(buffer, static_cast<std::size_t>(n));
    }
    const auto n = ::send(d.to, d.pending.data(), d.pending.size(), MSG_NOSIGNAL);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR;
    d.pending.erase(0, static_cast<std::size_t>(n));
    return true;
}

}  // namespace

SilentLink::Inside::Inside(const SilentLink& link) {
    original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original_ < 0)
        fail_errno("open /proc/thread-self/ns/net");
    const std::string path = "/var/run/netns/" + link.name();
    const int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
        close_fd(original_);
        fail_errno("open " + path);
    }
    const int rc = ::setns(ns, CLONE_NEWNET);
    ::close(ns);
    if (rc != 0) {
        close_fd(original_);
        fail_errno("setns into " + link.name());
    }
}

SilentLink::Inside::~Inside() {
    // Staying in the namespace would send every later connection of this thread nowhere.
    if (::setns(original_, CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "silent link: cannot return to the original network namespace: %s\n",
                     std::strerror(errno));
        std::abort();
    }
    ::close(original_);
}

SilentLink::SilentLink(int target_port)
    : name_(fmt::format("pgwarden-silent-{}-{}", ::getpid(), link_counter++)),
      target_port_(target_port) {
    run_checked({"ip", "netns", "add", name_}, kCommandTimeout);
    try {
        run_checked({"ip", "netns", "exec", name_, "ip", "link", "set", "lo", "up"},
                    kCommandTimeout);
        nft(fmt::format("add table inet {}", kTable));
        nft(fmt::format(
            "add chain inet {} input {{ type filter hook input priority 0 ; policy accept ; }}",
            kTable));
        // The listening socket belongs to the namespace it was made in, whichever thread
        // accepts on it later; the relay's own connections to the target are made outside.
        std::string error;
        std::thread([this, &error] {
            try {
                const Inside inside(*this);
                listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (listener_ < 0)
                    fail_errno("socket");
                sockaddr_in addr{};
                addr.sin_family = AF_INET;
                addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                socklen_t len = sizeof addr;
                if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
                    ::listen(listener_, 16) != 0 ||
                    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
                    fail_errno("listen on 127.0.0.1 in " + name_);
                port_ = ntohs(addr.sin_port);
            } catch (const std::exception& e) {
                error = e.what();
            }
        }).join();
        if (!error.empty())
            throw std::runtime_error(error);
        if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
            fail_errno("pipe2");
        relay_ = std::thread([this] { relay_loop(); });
    } catch (...) {
        close_fd(listener_);
        close_fd(wake_[0]);
        close_fd(wake_[1]);
        run_command({"ip", "netns", "delete", name_}, kCommandTimeout);
        throw;
    }
}

SilentLink::~SilentLink() {
    stopping_ = true;
    if (wake_[1] >= 0 && ::write(wake_[1], "x", 1) < 0)
        std::perror("silent link: waking the relay");  // it still sees stopping_ within 100 ms
    if (relay_.joinable())
        relay_.join();
    close_fd(listener_);
    close_fd(wake_[0]);
    close_fd(wake_[1]);
    // The nftables table goes with the namespace.
    const auto deleted = run_command({"ip", "netns", "delete", name_}, kCommandTimeout);
    if (!deleted.ok())
        std::fprintf(stderr, "silent link: %s\n", deleted.describe().c_str());
}

std::string SilentLink::conninfo_prefix() const {
    return fmt::format("host=127.0.0.1 port={}", port_);
}

void SilentLink::silence() {
    // Input sees both directions on the namespace's loopback: nothing reaches either end.
    nft(fmt::format("add rule inet {} input tcp dport {} drop", kTable, port_));
    nft(fmt::format("add rule inet {} input tcp sport {} drop", kTable, port_));
}

void SilentLink::restore() {
    nft(fmt::format("flush chain inet {} input", kTable));
}

void SilentLink::nft(const std::string& script) const {
    run_checked({"ip", "netns", "exec", name_, "nft", script}, kCommandTimeout);
}

void SilentLink::relay_loop() {
    std::vector<Relayed> relayed;
    while (!stopping_) {
        std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
        for (auto& r : relayed) {
            for (Direction* d : {&r.up, &r.down}) {
                if (d->pending.empty())
                    fds.push_back({d->from, POLLIN, 0});
                else
                    fds.push_back({d->to, POLLOUT, 0});
            }
        }
        if (::poll(fds.data(), fds.size(), kRelayPollMs) < 0 && errno != EINTR)
            break;
        std::size_t at = 2;
        for (auto& r : relayed) {
            for (Direction* d : {&r.up, &r.down}) {
                if (!r.closed && !pump(*d, fds[at].revents))
                    r.close();
                ++at;
            }
        }
        std::erase_if(relayed, [](const Relayed& r) { return r.closed; });
        if ((fds[1].revents & POLLIN) != 0) {
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (client >= 0) {
                const int server = connect_target(target_port_);
                if (server < 0) {
                    ::close(client);
                } else {
                    Relayed r;
                    r.client = client;
                    r.server = server;
                    r.up = {client, server, {}};
                    r.down = {server, client, {}};
                    relayed.push_back(std::move(r));
                }
            }
        }
    }
    for (auto& r : relayed)
        r.close();
}

}  // namespace pgwarden::test
