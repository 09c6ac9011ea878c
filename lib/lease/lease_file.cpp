#include "lease/lease_file.hpp"

#include "lease/small_file.hpp"

#include <fmt/format.h>

#include <time.h>
#include <unistd.h>

namespace pgwarden::lease {
namespace {

// A lease is a few hundred bytes; anything much larger is not one.
constexpr std::size_t kMaxLeaseBytes = 4096;

}  // namespace

std::string lease_path(const std::string& directory, int node_id) {
    return fmt::format("{}/lease-{}", directory, node_id);
}

std::string boot_id() {
    std::string text;
    bool exists = false;
    if (read_small_file("/proc/sys/kernel/random/boot_id", kMaxLeaseBytes, text, exists) ||
        text.empty())
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
    return write_file_atomically(path, failover::format_lease(lease));
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
    if (const auto error = read_small_file(path, kMaxLeaseBytes, text, look.file_exists)) {
        look.read_error = *error;
        return look;
    }
    if (!look.file_exists)
        return look;
    look.lease = failover::parse_lease(text, &look.read_error);
    return look;
}

}  // namespace pgwarden::lease
