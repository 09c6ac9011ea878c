#include "fencing_status.hpp"

#include <fmt/format.h>

namespace pgwarden::cli {
namespace {

// Whole seconds of a lease, rounded up while it runs (a lease with 300 ms left is not "0 s").
std::int64_t seconds_left(std::int64_t ms) {
    return (ms + 999) / 1000;
}

std::string with_reason(const std::string& text, const std::string& reason) {
    return reason.empty() ? text : fmt::format("{} ({})", text, reason);
}

std::string probe_answer(const FencingView& view) {
    const auto answer = failover::answer_from_lease(view.probed, view.probe_mode, view.node_id,
                                                    view.boot_id, view.now_ms);
    if (!answer.enforced)
        return fmt::format("pgwarden-probe answers from pg_is_in_recovery() alone: {}", answer.why);
    if (answer.allows_primary)
        return fmt::format(
            "pgwarden-probe answers 200 on /primary while the server is a primary: {}", answer.why);
    return fmt::format("pgwarden-probe answers 503 on /primary: {}", answer.why);
}

}  // namespace

std::string describe_lease(const FencingView& view) {
    const auto& look = view.lease;
    if (!look.file_exists)
        return fmt::format("no lease file ({})", view.lease_path);
    if (!look.lease)
        return fmt::format("the lease file {} cannot be read: {}", view.lease_path,
                           look.read_error);
    const auto& lease = *look.lease;
    if (lease.node_id != view.node_id)
        return fmt::format("the lease file {} holds node {}'s lease", view.lease_path,
                           lease.node_id);
    if (lease.boot_id != view.boot_id)
        return fmt::format("the lease ({}) is from an earlier boot: void",
                           failover::lease_verdict_name(lease.verdict));
    switch (lease.verdict) {
        case failover::LeaseVerdict::primary:
            if (view.now_ms < lease.valid_until_ms)
                return with_reason(fmt::format("primary lease valid for {} s",
                                               seconds_left(lease.valid_until_ms - view.now_ms)),
                                   lease.reason);
            return with_reason(fmt::format("primary lease ran out {} s ago (pgwardend stopped "
                                           "renewing it)",
                                           (view.now_ms - lease.valid_until_ms) / 1000),
                               lease.reason);
        case failover::LeaseVerdict::fenced:
            return lease.reason.empty() ? std::string("fenced")
                                        : fmt::format("fenced: {}", lease.reason);
        case failover::LeaseVerdict::standby:
            return with_reason("standby", lease.reason);
    }
    return "unknown verdict";
}

std::string format_fencing_status(const FencingView& view) {
    std::string out =
        fmt::format("Fencing on node {} (this node): {}\n", view.node_id, describe_lease(view));
    if (view.probe_path != view.lease_path)
        out +=
            fmt::format("  pgwarden-probe reads its lease in {}, not where pgwardend writes it\n",
                        view.probe_path);
    out += fmt::format("  {}\n", probe_answer(view));
    return out;
}

}  // namespace pgwarden::cli
