#include "fencing_io.hpp"

#include "cluster_io.hpp"

#include "cluster/connect.hpp"
#include "cluster/fence_queries.hpp"
#include "exec/in_parallel.hpp"
#include "exec/shell.hpp"
#include "failover/membership.hpp"
#include "log/log.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgwarden::daemon {

std::optional<failover::PrimaryEvidence> gather_standing(const config::RepmgrConfig& config) {
    failover::PrimaryEvidence evidence;
    evidence.self_id = config.node_id;
    std::vector<cluster::NodeRecord> voters;
    {
        auto local = open(config.conninfo, config);
        if (!local)
            return std::nullopt;
        try {
            evidence.own_timeline = cluster::current_timeline(*local);
            voters = failover::standing_voters(cluster::load_nodes(*local), config.node_id);
        } catch (const pg::PgError& e) {
            log::warning("unable to read this node's timeline and metadata: {}", e.what());
            return std::nullopt;
        }
    }
    const auto unanswered = [](const cluster::NodeRecord& node) {
        failover::PeerSeen peer;
        peer.node_id = node.node_id;
        peer.witness = node.type == model::NodeType::witness;
        return peer;  // not reachable: a voter that does not answer in time is not seen
    };
    evidence.peers = exec::in_parallel(
        voters, conversation_limit(config),
        [config, unanswered](const cluster::NodeRecord& node) {
            auto peer = unanswered(node);
            auto conn = open(node.conninfo, config);
            if (!conn)
                return peer;
            try {
                const auto facts = cluster::peer_facts(*conn, config.node_id);
                peer.in_recovery = facts.in_recovery;
                peer.timeline = facts.timeline;
                peer.recorded_primary = facts.recorded_primary;
                peer.records_self_inactive = facts.records_node_inactive;
                peer.reachable = true;
            } catch (const pg::PgError& e) {
                log::debug("unable to ask node {} about the primary: {}", describe(node), e.what());
            }
            return peer;
        },
        unanswered);
    return evidence;
}

namespace {

std::optional<std::string> read_only(const config::RepmgrConfig& config, bool on) {
    std::string error;
    auto local = open(config.conninfo, config, &error);
    if (!local)
        return "unable to connect to the local node: " + error;
    try {
        cluster::set_default_read_only(*local, on);
        if (on) {
            const int ended = cluster::terminate_client_sessions(*local, kDaemonApplicationName);
            log::notice(
                "fenced: default_transaction_read_only is on, {} client sessions "
                "terminated",
                ended);
        } else {
            log::notice("fence lifted: default_transaction_read_only is reset");
        }
    } catch (const pg::PgError& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

std::optional<std::string> stop_server(const config::RepmgrConfig& config) {
    const std::string command =
        !config.service_stop_command.empty()
            ? config.service_stop_command
            : fmt::format("{}pg_ctl -D '{}' stop -m fast -w",
                          config.pg_bindir.empty() ? "" : config.pg_bindir + "/",
                          config.data_directory);
    if (config.service_stop_command.empty() && config.data_directory.empty())
        return std::string("neither service_stop_command nor data_directory is set");
    log::notice("fenced: stopping the local server: {}", command);
    const auto outcome = exec::run_shell(command, exec::kDefaultCommandTimeout);
    if (!outcome.ok())
        return fmt::format("the stop command failed (exit code {}{})", outcome.exit_code,
                           outcome.timed_out ? ", timed out" : "");
    return std::nullopt;
}

}  // namespace

std::optional<std::string> apply_fence(const config::RepmgrConfig& config,
                                       failover::FenceAction action) {
    switch (action) {
        case failover::FenceAction::off:
        case failover::FenceAction::probe:
            return std::nullopt;
        case failover::FenceAction::read_only:
            return read_only(config, true);
        case failover::FenceAction::stop:
            return stop_server(config);
    }
    return std::nullopt;
}

std::optional<std::string> lift_fence(const config::RepmgrConfig& config,
                                      failover::FenceAction action) {
    if (action == failover::FenceAction::read_only)
        return read_only(config, false);
    return std::nullopt;
}

namespace {

// How long the rows written before a fence may hold it up on a live but slow server: the lease
// already says fenced, this bounds the delay of the read-only switch or the stop.
constexpr int kFenceEventQuerySecs = 5;

// The primary that superseded this node: the node whose view showed the promotion when it is a
// primary itself, else the primary its metadata names (never this node).
std::optional<pg::Connection> open_new_primary(const config::RepmgrConfig& config,
                                               int superseded_by) {
    if (superseded_by == 0 || superseded_by == config.node_id)
        return std::nullopt;
    const auto record = find_record(config, superseded_by);
    if (!record)
        return std::nullopt;
    auto via = open(record->conninfo, config);
    if (!via)
        return std::nullopt;
    if (record->type != model::NodeType::witness && in_recovery(*via) == false)
        return via;
    const auto primary = cluster::connect_primary(*via);
    if (!primary || primary->record.node_id == config.node_id)
        return std::nullopt;
    // A daemon connection of its own: bounded, and its rows commit without waiting for the new
    // primary's standbys (which may still be on their way to follow it).
    return open(primary->record.conninfo, config);
}

std::vector<std::string> insert_rows(pg::Connection* conn,
                                     const std::vector<cluster::Event>& events) {
    std::vector<std::string> timestamps;
    for (const auto& event : events)
        timestamps.push_back(cluster::insert_event_row(conn, event));
    return timestamps;
}

// The rows on the new primary, else through `local` (opened when wanted, closed before the fence
// terminates the client sessions).
std::vector<std::string> write_rows(const config::RepmgrConfig& config,
                                    const std::vector<cluster::Event>& events, int superseded_by) {
    if (events.empty())
        return {};
    if (auto elsewhere = open_new_primary(config, superseded_by)) {
        log::info("recording this fenced node's events on the primary that superseded it");
        return insert_rows(&*elsewhere, events);
    }
    auto bounded = config;
    bounded.async_query_timeout = config.async_query_timeout > 0
                                      ? std::min(config.async_query_timeout, kFenceEventQuerySecs)
                                      : kFenceEventQuerySecs;
    auto local = open(config.conninfo, bounded);
    return insert_rows(local ? &*local : nullptr, events);
}

}  // namespace

void run_fence_job(const config::RepmgrConfig& config, FenceJob::Kind kind,
                   failover::FenceAction action, const std::vector<cluster::Event>& events,
                   int superseded_by) {
    std::vector<std::string> timestamps;
    switch (kind) {
        case FenceJob::Kind::fence:
            // Superseded: another node takes writes now, so the fence comes first and the rows go
            // to that node (finding it can take a connect timeout or two). Otherwise the rows
            // first, on this node while it still takes them.
            if (superseded_by != 0 && superseded_by != config.node_id) {
                if (const auto error = apply_fence(config, action))
                    log::error("the fence action failed: {}", *error);
                timestamps = write_rows(config, events, superseded_by);
                break;
            }
            timestamps = write_rows(config, events, superseded_by);
            if (const auto error = apply_fence(config, action))
                log::error("the fence action failed: {}", *error);
            break;
        case FenceJob::Kind::lift:
            if (const auto error = lift_fence(config, action))
                log::error("lifting the fence failed: {}", *error);
            timestamps = write_rows(config, events, superseded_by);
            break;
        case FenceJob::Kind::fenced:
            timestamps = write_rows(config, events, superseded_by);
            break;
    }
    for (std::size_t i = 0; i < events.size(); ++i)
        cluster::notify_event(config, events[i], timestamps[i]);
}

}  // namespace pgwarden::daemon
