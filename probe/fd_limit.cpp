#include "fd_limit.hpp"

#include <fmt/format.h>

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace pgwarden::probe {

FdPlan plan_fd_limit(std::size_t max_connections, std::uint64_t soft, std::uint64_t hard) {
    FdPlan plan;
    const std::uint64_t needed = max_connections + kReservedDescriptors;
    plan.soft = std::max(soft, std::min(needed, hard));
    plan.max_connections = max_connections;
    if (plan.soft < needed) {
        plan.max_connections =
            plan.soft > kReservedDescriptors * 2 ? plan.soft - kReservedDescriptors : 1;
        plan.warning = fmt::format(
            "max-connections {} needs {} file descriptors but the limit is {} (hard limit {}): "
            "serving at most {} connections; raise LimitNOFILE in the unit (or ulimit -n)",
            max_connections, needed, plan.soft, hard, plan.max_connections);
    }
    return plan;
}

FdPlan fit_fd_limit(std::size_t max_connections) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return plan_fd_limit(max_connections, max_connections + kReservedDescriptors,
                             max_connections + kReservedDescriptors);
    auto plan = plan_fd_limit(max_connections, limit.rlim_cur, limit.rlim_max);
    if (plan.soft > limit.rlim_cur) {
        rlimit raised = limit;
        raised.rlim_cur = plan.soft;
        if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
            const int error = errno;
            plan = plan_fd_limit(max_connections, limit.rlim_cur, limit.rlim_cur);
            plan.warning += fmt::format(" (setrlimit: {})", std::strerror(error));
        }
    }
    return plan;
}

}  // namespace pgwarden::probe
