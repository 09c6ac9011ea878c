// Picks free loopback ports and reserves them across concurrently running test processes.
#include "ports.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>

namespace pgwarden::test {
namespace {

constexpr int kAttempts = 200;
constexpr const char* kLockDir = "/tmp/pgwarden-test-ports";

std::mutex& ports_mutex() {
    static std::mutex mutex;
    return mutex;
}

std::set<int>& handed_out() {
    static std::set<int> ports;
    return ports;
}

// One the kernel considers free right now, or 0.
int kernel_free_port() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

// False when another process holds the port's lock. The lock descriptor is deliberately leaked:
// it must stay open (and locked) until this process exits. When the lock file cannot be used at
// all (odd permissions), the port is taken unreserved rather than failing the test.
bool reserve_across_processes(int port) {
    if (mkdir(kLockDir, 01777) == 0)
        chmod(kLockDir, 01777);  // umask would drop bits
    auto path = fmt::format("{}/{}", kLockDir, port);
    // Open without O_CREAT first: with fs.protected_regular, O_CREAT on another user's file in
    // a sticky directory fails even though the file exists.
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fd = open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return true;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        bool held_elsewhere = errno == EWOULDBLOCK;
        close(fd);
        return !held_elsewhere;
    }
    return true;
}

}  // namespace

int free_tcp_port() {
    std::lock_guard lock(ports_mutex());
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        int port = kernel_free_port();
        if (port == 0 || handed_out().contains(port))
            continue;
        if (!reserve_across_processes(port))
            continue;
        handed_out().insert(port);
        return port;
    }
    throw std::runtime_error(fmt::format(
        "no free TCP port on 127.0.0.1 after {} attempts: is the ephemeral range exhausted, or "
        "does {} hold stale locks from a runaway test?",
        kAttempts, kLockDir));
}

}  // namespace pgwarden::test
