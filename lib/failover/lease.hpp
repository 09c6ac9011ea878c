// The one answer the daemon and the probe share: a lease the primary's pgwardend renews while it
// holds its standing, and the rule by which the probe turns it (or its absence) into 200 or 503.
// Pure: the text format and the rule; lib/lease reads and writes the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::failover {

enum class LeaseVerdict {
    primary,  // this node holds its standing: it may answer 200 until valid_until
    fenced,   // it lost it (isolated past the fence timeout, or superseded)
    standby,  // the daemon monitors it as a standby or a witness
};
std::string_view lease_verdict_name(LeaseVerdict verdict);

struct Lease {
    int node_id = 0;
    LeaseVerdict verdict = LeaseVerdict::fenced;
    std::uint32_t timeline = 0;
    // CLOCK_MONOTONIC of this boot, in milliseconds: the daemon and the probe read the same
    // clock, and a lease from an earlier boot (another boot_id) is void.
    std::string boot_id;
    std::int64_t valid_until_ms = 0;
    int daemon_pid = 0;
    std::string reason;  // why the daemon wrote this verdict
};

// "key=value" lines; parse_lease says what is wrong in `error` (line and key).
std::string format_lease(const Lease& lease);
std::optional<Lease> parse_lease(std::string_view text, std::string* error);

// How the probe treats the lease (pgwarden.ini [probe] fencing).
enum class FencingMode {
    off,    // the probe answers from pg_is_in_recovery() alone, as the socat script did
    on,     // 200 on /primary only with a valid primary lease for this node
    auto_,  // as "on" once a lease file exists (a cluster run by pgwardend), else as "off"
};
std::optional<FencingMode> parse_fencing_mode(std::string_view text);

struct LeaseLook {
    bool file_exists = false;
    std::optional<Lease> lease;  // nothing: absent or unreadable
    std::string read_error;      // why it could not be read
};

struct LeaseAnswer {
    bool enforced = false;       // the lease decides (fencing on, or auto with a file)
    bool allows_primary = true;  // when enforced: a valid primary lease for this node
    std::string why;             // for the JSON body and the log
};

LeaseAnswer answer_from_lease(const LeaseLook& look, FencingMode mode, int node_id,
                              std::string_view boot_id, std::int64_t now_ms);

}  // namespace pgwarden::failover
