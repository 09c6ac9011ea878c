#include "sync_management_io.hpp"

#include "cluster_io.hpp"
#include "failover_jobs.hpp"

#include "cluster/node_record.hpp"
#include "cluster/sync_queries.hpp"
#include "log/log.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace pgwarden::daemon {
namespace {

// pg_reload_conf() only signals the postmaster: the next round must not read the old value and
// decide the same change again, so the write waits (bounded) until this session sees it.
constexpr int kReloadPolls = 20;
constexpr std::chrono::milliseconds kReloadPoll{100};

void wait_reloaded(pg::Connection& conn, const std::string& names) {
    for (int poll = 0; poll < kReloadPolls; ++poll) {
        const auto shown =
            conn.exec("SELECT pg_catalog.current_setting('synchronous_standby_names')");
        if (shown.value(0, 0) == names)
            return;
        std::this_thread::sleep_for(kReloadPoll);
    }
    log::warning("synchronous_standby_names is not '{}' yet {} ms after the reload", names,
                 kReloadPolls * kReloadPoll.count());
}

}  // namespace

std::optional<failover::SyncRound> observe_sync(const config::RepmgrConfig& config) {
    std::string error;
    auto conn = open(config.conninfo, config, &error);
    if (!conn) {
        log::warning("unable to read the synchronous standbys: {}", error);
        return std::nullopt;
    }
    try {
        failover::SyncRound round;
        for (const auto& node : cluster::load_nodes(*conn))
            if (node.type == cluster::NodeType::standby)
                round.standbys.push_back({node.node_id, node.node_name, node.active});
        auto snapshot = cluster::read_sync_snapshot(*conn);
        round.current = std::move(snapshot.standby_names);
        for (auto& standby : snapshot.standbys)
            round.streaming.push_back(std::move(standby.application_name));
        return round;
    } catch (const pg::PgError& e) {
        log::warning("unable to read the synchronous standbys: {}", e.what());
        return std::nullopt;
    }
}

void apply_sync_change(const config::RepmgrConfig& config, int self_id,
                       const std::string& old_names, const failover::SyncDecision& decision) {
    auto detail = fmt::format("synchronous_standby_names '{}' -> '{}': {}", old_names,
                              decision.names, decision.reason);
    std::string error;
    if (auto conn = open(config.conninfo, config, &error)) {
        try {
            cluster::write_sync_standby_names(*conn, decision.names);
            wait_reloaded(*conn, decision.names);
        } catch (const pg::PgError& e) {
            error = e.what();
        }
    }
    if (error.empty()) {
        log::notice("{}", detail);
    } else {
        detail = fmt::format("unable to set {} ({}); the next round tries again", detail, error);
        log::error("{}", detail);
    }
    record_daemon_event(config, {self_id, kSyncNamesEvent, error.empty(), detail, std::nullopt,
                                 std::nullopt, std::nullopt});
}

void SyncManagement::begin(const failover::SyncSettings& settings) {
    settings_ = settings;
    manager_.emplace(settings);
}

bool SyncManagement::start_round() {
    if (settings_.mode == failover::SyncMode::off || !manager_ || in_flight_)
        return false;
    in_flight_ = true;
    return true;
}

std::optional<failover::SyncDecision> SyncManagement::decide(const failover::SyncRound& round,
                                                             failover::TimePoint now) {
    if (!manager_)
        return std::nullopt;
    auto decision = manager_->decide(round, now);
    if (!decision.change) {
        log::debug("synchronous_standby_names stays '{}': {}", round.current, decision.reason);
        return std::nullopt;
    }
    return decision;
}

}  // namespace pgwarden::daemon
