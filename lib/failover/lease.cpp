#include "failover/lease.hpp"

#include "text/key_value_lines.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>

namespace pgwarden::failover {

std::string_view lease_verdict_name(LeaseVerdict verdict) {
    switch (verdict) {
        case LeaseVerdict::primary:
            return "primary";
        case LeaseVerdict::fenced:
            return "fenced";
        case LeaseVerdict::standby:
            return "standby";
    }
    return "unknown";
}

std::string format_lease(const Lease& lease) {
    return fmt::format(
        "node_id={}\nverdict={}\ntimeline={}\nboot_id={}\nvalid_until_ms={}\ndaemon_pid={}\n"
        "reason={}\n",
        lease.node_id, lease_verdict_name(lease.verdict), lease.timeline, lease.boot_id,
        lease.valid_until_ms, lease.daemon_pid, lease.reason);
}

namespace {

std::optional<LeaseVerdict> parse_verdict(std::string_view text) {
    for (const auto verdict : {LeaseVerdict::primary, LeaseVerdict::fenced, LeaseVerdict::standby})
        if (text == lease_verdict_name(verdict))
            return verdict;
    return std::nullopt;
}

}  // namespace

std::optional<Lease> parse_lease(std::string_view text, std::string* error) {
    Lease lease;
    int line_number = 0;
    bool have_node = false, have_verdict = false, have_until = false;
    auto fail = [&](std::string what) -> std::optional<Lease> {
        if (error != nullptr)
            *error = fmt::format("line {}: {}", line_number, what);
        return std::nullopt;
    };
    const auto lines = text::key_value_lines(text, error);
    if (!lines)
        return std::nullopt;
    for (const auto& entry : *lines) {
        line_number = entry.number;
        const auto key = entry.key;
        const auto value = entry.value;
        bool ok = true;
        if (key == "node_id") {
            ok = text::parse_number_into(value, lease.node_id);
            have_node = ok;
        } else if (key == "verdict") {
            const auto verdict = parse_verdict(value);
            ok = verdict.has_value();
            if (ok)
                lease.verdict = *verdict;
            have_verdict = ok;
        } else if (key == "timeline") {
            ok = text::parse_number_into(value, lease.timeline);
        } else if (key == "boot_id") {
            lease.boot_id = std::string(value);
        } else if (key == "valid_until_ms") {
            ok = text::parse_number_into(value, lease.valid_until_ms);
            have_until = ok;
        } else if (key == "daemon_pid") {
            ok = text::parse_number_into(value, lease.daemon_pid);
        } else if (key == "reason") {
            lease.reason = std::string(value);
        }  // unknown keys: written by a newer daemon, ignored
        if (!ok)
            return fail(fmt::format("invalid value \"{}\" for {}", value, key));
    }
    if (!have_node || !have_verdict || !have_until)
        return fail("node_id, verdict and valid_until_ms are required");
    return lease;
}

std::optional<FencingMode> parse_fencing_mode(std::string_view text) {
    if (text == "off")
        return FencingMode::off;
    if (text == "on")
        return FencingMode::on;
    if (text == "auto")
        return FencingMode::auto_;
    return std::nullopt;
}

LeaseAnswer answer_from_lease(const LeaseLook& look, FencingMode mode, int node_id,
                              std::string_view boot_id, std::int64_t now_ms) {
    LeaseAnswer answer;
    if (mode == FencingMode::off || (mode == FencingMode::auto_ && !look.file_exists)) {
        answer.why = mode == FencingMode::off ? "fencing is off"
                                              : "no lease file: the probe runs without pgwardend";
        return answer;
    }
    answer.enforced = true;
    answer.allows_primary = false;
    if (!look.lease) {
        answer.why = look.file_exists ? "the lease cannot be read: " + look.read_error
                                      : std::string("no lease from pgwardend yet");
        return answer;
    }
    const Lease& lease = *look.lease;
    if (lease.node_id != node_id)
        answer.why =
            fmt::format("the lease is node {}'s, not this node's ({})", lease.node_id, node_id);
    else if (lease.boot_id != boot_id)
        answer.why = "the lease is from an earlier boot";
    else if (lease.verdict != LeaseVerdict::primary)
        answer.why = fmt::format("pgwardend's verdict is {}: {}", lease_verdict_name(lease.verdict),
                                 lease.reason);
    else if (now_ms >= lease.valid_until_ms)
        answer.why = fmt::format("the lease ran out {} ms ago (pgwardend stopped renewing it)",
                                 now_ms - lease.valid_until_ms);
    else {
        answer.allows_primary = true;
        answer.why =
            fmt::format("pgwardend's lease is valid for {} ms more", lease.valid_until_ms - now_ms);
    }
    return answer;
}

}  // namespace pgwarden::failover
