#include "lease/lease_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pgwarden::lease {
namespace {

// A lease is a few hundred bytes; anything much larger is not one.
constexpr std::size_t kMaxLeaseBytes = 4096;

std::string errno_text() {
    return std::strerror(errno);
}

std::optional<std::string> read_small_file(const std::string& path, std::string& out,
                                           bool& exists) {
    exists = false;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? std::nullopt : std::optional<std::string>(errno_text());
    exists = true;
    char buffer[kMaxLeaseBytes + 1];
    std::size_t used = 0;
    while (used < sizeof buffer) {
        const ssize_t got = ::read(fd, buffer + used, sizeof buffer - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            const auto error = errno_text();
            ::close(fd);
            return error;
        }
        if (got == 0)
            break;
        used += static_cast<std::size_t>(got);
    }
    ::close(fd);
    if (used > kMaxLeaseBytes)
        return fmt::format("larger than {} bytes", kMaxLeaseBytes);
    out.assign(buffer, used);
    return std::nullopt;
}

}  // namespace

std::string lease_path(const std::string& directory, int node_id) {
    return fmt::format("{}/lease-{}", directory, node_id);
}

std::string boot_id() {
    std::string text;
    bool exists = false;
    if (read_small_file("/proc/sys/kernel/random/boot_id", text, exists) || text.empty())
        return "unknown";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

std::int64_t monotonic_ms() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

std::optional<std::string> write_lease(const std::string& path, const failover::Lease& lease) {
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        const std::string directory = path.substr(0, slash);
        if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST)
            return fmt::format("cannot create {}: {}", directory, errno_text());
    }
    const std::string temporary = fmt::format("{}.{}.new", path, ::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fmt::format("cannot write {}: {}", temporary, errno_text());
    const std::string text = failover::format_lease(lease);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote < 0) {
            const auto error = fmt::format("cannot write {}: {}", temporary, errno_text());
            ::close(fd);
            ::unlink(temporary.c_str());
            return error;
        }
        done += static_cast<std::size_t>(wrote);
    }
    ::close(fd);
    // rename() replaces the old lease in one step: a reader sees the old one or the new one.
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const auto error = fmt::format("cannot replace {}: {}", path, errno_text());
        ::unlink(temporary.c_str());
        return error;
    }
    return std::nullopt;
}

std::optional<std::string> check_lease_directory(const std::string& directory) {
    failover::Lease probe_lease;
    probe_lease.reason = "written by pgwardend at start to check the directory";
    const std::string path = fmt::format("{}/.write-test-{}", directory, ::getpid());
    if (auto error = write_lease(path, probe_lease))
        return error;
    ::unlink(path.c_str());
    return std::nullopt;
}

failover::LeaseLook look_at_lease(const std::string& path) {
    failover::LeaseLook look;
    std::string text;
    if (const auto error = read_small_file(path, text, look.file_exists)) {
        look.read_error = *error;
        return look;
    }
    if (!look.file_exists)
        return look;
    look.lease = failover::parse_lease(text, &look.read_error);
    return look;
}

}  // namespace pgwarden::lease
