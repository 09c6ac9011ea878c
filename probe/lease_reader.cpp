#include "lease_reader.hpp"

#include "lease/lease_file.hpp"
#include "lease/replication_file.hpp"
#include "log/log.hpp"

namespace pgwarden::probe {

LeaseReader::LeaseReader(LeaseSettings settings)
    : settings_(std::move(settings)),
      path_(settings_.node_id ? lease::lease_path(settings_.directory, *settings_.node_id)
                              : std::string()),
      record_path_(settings_.node_id
                       ? lease::replication_record_path(settings_.directory, *settings_.node_id)
                       : std::string()),
      boot_id_(lease::boot_id()) {}

std::optional<std::string> LeaseReader::sync_state() {
    if (record_path_.empty())
        return std::nullopt;
    const auto look = lease::look_at_replication_record(record_path_);
    if (!look.record)
        return std::nullopt;
    return failover::fresh_sync_state(*look.record, boot_id_, lease::monotonic_ms());
}

failover::LeaseAnswer LeaseReader::look() {
    if (!settings_.node_id || settings_.mode == failover::FencingMode::off)
        return failover::answer_from_lease({}, failover::FencingMode::off, 0, boot_id_, 0);
    auto answer = failover::answer_from_lease(lease::look_at_lease(path_), settings_.mode,
                                              *settings_.node_id, boot_id_, lease::monotonic_ms());
    if (answer.enforced && last_allowed_ != answer.allows_primary) {
        if (answer.allows_primary)
            log::notice("pgwardend's lease lets this node answer as the primary: {}", answer.why);
        else
            log::warning("no valid lease from pgwardend: the primary checks answer 503 ({})",
                         answer.why);
    }
    last_allowed_ = answer.enforced ? std::optional<bool>(answer.allows_primary) : std::nullopt;
    return answer;
}

}  // namespace pgwarden::probe
