// How standby switchover reaches the primary it demotes. Where pgwardend runs there, through the
// database: a request row (lib/cluster/switchover_queries) that its daemon claims, drains (the
// probe answers 503 first), stops, and after the promotion rejoins on its own; this command
// answers it through a session on the candidate named by application_name (failover/handover).
// Elsewhere over SSH as repmgr does: `pgwarden node service` and `pgwarden node rejoin` on the
// remote host.
#pragma once

#include "cli_options.hpp"

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "model/lsn.hpp"
#include "pg/connection.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace pgwarden::cli::switchover {

struct StopOutcome {
    bool ok = false;
    std::string error;  // why the primary was not stopped (it still is the primary)
};

class Remote {
  public:
    virtual ~Remote() = default;
    // --dry-run: what would stop the primary.
    virtual void describe_stop() = 0;
    // Drains and stops the primary; returns once the stop is under way (or refused).
    virtual StopOutcome stop() = 0;
    // -S/--superuser on the old primary, as repmgr checks it before the stop: an exit code when
    // that user cannot connect there as a superuser.
    virtual std::optional<int> check_superuser(const std::string& user) = 0;
    // The session pg_promote() goes through (the daemon watches it: see handover.hpp); `local`
    // is this node's session to use otherwise (-S's, when given).
    virtual pg::Connection& decision_session(pg::Connection& local) = 0;
    // After a failure past the stop: the old primary is started again as the primary.
    virtual void restart_as_primary() = 0;
    // After the promotion: the old primary rejoins `new_primary` (pg_rewind allowed with
    // --force-rewind when `may_diverge`).
    virtual void rejoin(const cluster::NodeRecord& new_primary, bool may_diverge) = 0;
    // The outcome, written where the request lives now (the new primary).
    virtual void finish(pg::Connection& new_primary, bool ok, const std::string& detail) = 0;

    // Where the scan for the shutdown checkpoint starts: the primary's WAL position before the
    // request, on its timeline.
    model::Lsn wal_from() const { return wal_from_; }
    std::uint32_t timeline() const { return timeline_; }
    void set_wal_start(model::Lsn from, std::uint32_t timeline) {
        wal_from_ = from;
        timeline_ = timeline;
    }

  private:
    model::Lsn wal_from_{};
    std::uint32_t timeline_ = 0;
};

// The daemon when its pgwardend runs on the primary, else SSH when `ssh ... true` works; nothing
// (after the error) when neither can reach it.
std::unique_ptr<Remote> make_remote(const CliOptions& options, const config::RepmgrConfig& config,
                                    const cluster::NodeRecord& primary,
                                    pg::Connection& primary_conn, int drain_secs);

}  // namespace pgwarden::cli::switchover
