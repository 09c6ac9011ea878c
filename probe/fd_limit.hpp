// The probe's file descriptor budget: every HTTP connection is one, so the soft RLIMIT_NOFILE
// (1024 by default, below the designed limits) is raised to fit max-connections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pgwarden::probe {

// Descriptors the probe needs besides its HTTP connections: listeners, libpq (checker and
// accept check), the log file, the lease file, the io_context's epoll and eventfd, with room.
inline constexpr std::uint64_t kReservedDescriptors = 64;

struct FdPlan {
    std::uint64_t soft = 0;           // the soft limit to run with (raise to it if higher)
    std::size_t max_connections = 0;  // what fits in it: the configured value or fewer
    std::string warning;              // set when max_connections had to be lowered
};

// Pure: the soft limit max_connections needs, within `hard`.
FdPlan plan_fd_limit(std::size_t max_connections, std::uint64_t soft, std::uint64_t hard);

// Raises this process's soft RLIMIT_NOFILE per plan_fd_limit (keeping the hard limit) and
// returns the plan it could carry out; a refused setrlimit (a seccomp filter) counts as a hard
// limit equal to the soft one.
FdPlan fit_fd_limit(std::size_t max_connections);

}  // namespace pgwarden::probe
