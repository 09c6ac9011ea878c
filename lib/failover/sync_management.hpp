// Managed synchronous mode (Patroni's synchronous_mode and synchronous_mode_strict): what the
// primary's synchronous_standby_names should name after each monitoring round, and why. Pure:
// the primary's daemon reads what it needs and writes the result (daemon/sync_management_io).
#pragma once

#include "failover/actions.hpp"
#include "failover/sync_replication.hpp"

#include <map>
#include <string>
#include <vector>

namespace pgwarden::failover {

// A standby registered in repmgr.nodes; its node_name is the application_name it streams under.
struct RegisteredStandby {
    int node_id = 0;
    std::string node_name;
    bool active = true;
};

// What the primary's daemon saw in one round.
struct SyncRound {
    std::vector<RegisteredStandby> standbys;
    std::vector<std::string> streaming;  // application_names of the streaming walsenders
    std::string current;                 // synchronous_standby_names as the primary has it now
};

struct SyncDecision {
    bool change = false;
    std::string names;   // what synchronous_standby_names should be ("" = asynchronous)
    std::string reason;  // one sentence, for the log and the event
};

// Remembers when each standby was last seen streaming, so that a standby that stops streaming
// stays listed for synchronous-standby-timeout (mode on) and is then dropped; strict mode keeps
// it, or names '*' when no standby is left, so that writes wait rather than go unprotected.
// Members keep their order (existing ones first, new ones by node id), so a standby that comes
// back does not displace the one the primary waits for now.
class SyncManager {
  public:
    explicit SyncManager(SyncSettings settings) : settings_(settings) {}

    // Never a change with mode off: the setting is the operator's then.
    SyncDecision decide(const SyncRound& round, TimePoint now);

  private:
    struct Seen;   // this round's registered and streaming standbys
    struct Draft;  // the list being built, and why
    // The listed standbys that stay, in their order; those dropped and kept noted.
    void keep_listed(const Seen& seen, const std::string& current, TimePoint now, Draft& draft);
    // The streaming standbys not listed yet, by node id.
    static void add_streaming(const Seen& seen, Draft& draft);
    // The value for the members left (FIRST k, '*' or ''), and whether it differs from `current`.
    SyncDecision conclude(Draft draft, const std::string& current) const;

    SyncSettings settings_;
    // Keyed by the lowercased name, as PostgreSQL matches names case-insensitively. A listed
    // standby never seen streaming counts from the first round that saw it listed.
    std::map<std::string, TimePoint> last_streaming_;
};

}  // namespace pgwarden::failover
