#include "handover_io.hpp"

#include "cluster_io.hpp"

#include "cluster/node_record.hpp"
#include "cluster/switchover_queries.hpp"
#include "config/pg_programs.hpp"
#include "config/server_action.hpp"
#include "exec/shell.hpp"
#include "log/log.hpp"
#include "text/conninfo.hpp"
#include "text/shell_quote.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

namespace pgwarden::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr milliseconds kDrainPoll{200};
constexpr milliseconds kOutcomePoll{1000};
// Beyond their own settings' waits, what a start or a rejoin may take in all.
constexpr std::chrono::seconds kCommandMargin{30};

void record_state(const config::RepmgrConfig& config, long request_id, const std::string& state,
                  const std::string& detail) {
    auto conn = open(config.conninfo, config);
    if (!conn)
        return;
    try {
        cluster::set_switchover_state(*conn, request_id, state, detail);
    } catch (const pg::PgError& e) {
        log::warning("unable to record the switchover's state: {}", e.what());
    }
}

// repmgr's server commands name pg_ctl from pg_bindir or PATH; without pg_bindir the daemon uses
// the server's own directory, as every other program it runs (config/pg_programs.hpp).
config::RepmgrConfig with_located_bindir(const config::RepmgrConfig& config) {
    auto located = config;
    if (located.pg_bindir.empty())
        located.pg_bindir =
            std::filesystem::path(config::pg_program(config, "pg_ctl")).parent_path();
    return located;
}

bool run_logged(const std::string& what, const std::string& command, std::chrono::seconds timeout,
                const exec::Environment& environment = {}) {
    log::notice("{}: {}", what, command);
    const auto outcome = exec::run_shell(command, timeout, log::Level::info, environment);
    if (outcome.ok())
        return true;
    log::error("{} failed: exit code {}{}{}", what, outcome.exit_code,
               outcome.timed_out ? " (timed out)" : "",
               outcome.error.empty() ? "" : ", " + outcome.error);
    return false;
}

// Drains until handover.hpp says so (the lease already says fenced); false when the daemon is
// stopping.
bool drain(pg::Connection& local, const failover::HandoverRequest& request,
           const std::atomic<bool>& stop_requested) {
    const auto started = Clock::now();
    failover::DrainView view;
    view.drain = request.drain;
    for (;;) {
        view.elapsed = duration_cast<milliseconds>(Clock::now() - started);
        view.client_sessions = cluster::routed_client_sessions(local, kDaemonApplicationName);
        view.had_sessions = view.had_sessions || view.client_sessions > 0;
        if (failover::drain_finished(view))
            break;
        if (stop_requested.load())
            return false;
        std::this_thread::sleep_for(kDrainPoll);
    }
    log::notice("drained after {} ms, {} client sessions left", view.elapsed.count(),
                view.client_sessions);
    return true;
}

std::string rejoin_command(const config::RepmgrConfig& config,
                           const failover::HandoverRequest& request,
                           const cluster::NodeRecord& candidate) {
    // Without its password, if the record has one: the caller hands that over as PGPASSWORD.
    std::string command =
        fmt::format("{} -f {} node rejoin -d {}", pgwarden_program(config),
                    text::shell_quote(config.config_file),
                    text::shell_quote(text::password_apart(candidate.conninfo).conninfo));
    if (request.force_rewind) {
        command += request.force_rewind->empty()
                       ? std::string(" --force-rewind")
                       : " --force-rewind=" + text::shell_quote(*request.force_rewind);
        if (!request.config_files.empty())
            command += " --config-files=" + text::shell_quote(request.config_files);
    }
    return command;
}

// After the stop: waits for the switchover command's outcome (handover.hpp) and carries it out.
std::string after_the_stop(const config::RepmgrConfig& config,
                           const failover::HandoverRequest& request,
                           const cluster::NodeRecord& candidate,
                           const std::atomic<bool>& stop_requested) {
    const auto stopped_at = Clock::now();
    std::optional<Clock::time_point> marker_absent_since;
    for (;;) {
        const auto now = Clock::now();
        failover::AfterStopView view;
        view.waited = duration_cast<milliseconds>(now - stopped_at);
        if (auto conn = open(candidate.conninfo, config)) {
            try {
                const auto seen = cluster::candidate_view(*conn, candidate.node_id, request.id);
                view.candidate_reachable = true;
                view.candidate_in_recovery = seen.in_recovery;
                view.candidate_recorded_primary = seen.recorded_primary;
                view.marker = seen.marker;
            } catch (const pg::PgError& e) {
                log::debug("unable to ask the candidate: {}", e.what());
            }
        }
        const bool absent = view.candidate_reachable && view.candidate_in_recovery &&
                            view.marker == failover::MarkerSeen::none;
        if (!absent)
            marker_absent_since.reset();
        else if (!marker_absent_since)
            marker_absent_since = now;
        if (marker_absent_since)
            view.marker_absent_for = duration_cast<milliseconds>(now - *marker_absent_since);

        const auto verdict = failover::after_stop(view);
        if (verdict == failover::AfterStop::keep_waiting && stop_requested.load())
            return fmt::format(
                "the daemon is stopping: the server stays stopped; once node {} is "
                "the primary, rejoin it with \"pgwarden node rejoin -d '{}'\", "
                "else start it again",
                candidate.node_id, candidate.conninfo);
        if (verdict == failover::AfterStop::keep_waiting) {
            std::this_thread::sleep_for(kOutcomePoll);
            continue;
        }
        log::notice("switchover {}: {}", request.id, failover::after_stop_name(verdict));
        switch (verdict) {
            case failover::AfterStop::rejoin: {
                exec::Environment environment;
                if (const auto password = text::password_apart(candidate.conninfo).password)
                    environment.emplace_back("PGPASSWORD", *password);
                const bool ok = run_logged(
                    "rejoining the new primary", rejoin_command(config, request, candidate),
                    std::chrono::seconds(config.standby_reconnect_timeout) + kCommandMargin,
                    environment);
                return ok ? fmt::format("rejoined node {} as its standby", candidate.node_id)
                          : fmt::format(
                                "node rejoin to node {} failed: rejoin by hand with \"pgwarden "
                                "node rejoin -d '{}' --force-rewind\"",
                                candidate.node_id, candidate.conninfo);
            }
            case failover::AfterStop::restart_as_primary: {
                const bool ok = run_logged(
                    "starting the server again as the primary",
                    config::server_action_command(config::ServerAction::start,
                                                  with_located_bindir(config),
                                                  config::pg_ctl_directory(config)),
                    std::chrono::seconds(config.standby_reconnect_timeout) + kCommandMargin);
                if (ok)
                    record_state(config, request.id, "aborted",
                                 "the switchover was abandoned; the old primary runs again");
                return ok ? std::string(
                                "the switchover was abandoned: started again as primary "
                                "(the daemons may still be paused: \"pgwarden service "
                                "unpause\")")
                          : std::string(
                                "the switchover was abandoned and the server did not "
                                "start: start it by hand");
            }
            case failover::AfterStop::stay_down:
                return fmt::format(
                    "no outcome within {} s and node {} unreachable: left stopped; if node {} is "
                    "not a primary, start this node again",
                    failover::kAfterStopLimit.count(), candidate.node_id, candidate.node_id);
            case failover::AfterStop::keep_waiting:
                break;
        }
    }
}

}  // namespace

std::string pgwarden_program(const config::RepmgrConfig& config) {
    if (!config.repmgr_bindir.empty()) {
        std::string dir = config.repmgr_bindir;
        if (dir.back() != '/')
            dir += '/';
        return dir + "pgwarden";
    }
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        const auto beside = self.parent_path() / "pgwarden";
        if (access(beside.c_str(), X_OK) == 0)
            return beside.string();
    }
    return "pgwarden";
}

bool claim_handover(const config::RepmgrConfig& config, long request_id) {
    auto local = open(config.conninfo, config);
    return local && cluster::claim_switchover(*local, request_id);
}

std::optional<failover::HandoverRequest> pending_handover(const config::RepmgrConfig& config,
                                                          int self_id) {
    auto local = open(config.conninfo, config);
    return local ? cluster::pending_switchover(*local, self_id) : std::nullopt;
}

std::string run_handover(const config::RepmgrConfig& config,
                         const failover::HandoverRequest& request,
                         const std::atomic<bool>& stop_requested) {
    std::optional<cluster::NodeRecord> candidate;
    {
        auto local = open(config.conninfo, config);
        if (!local)
            return "the local node could not be reached: nothing was stopped";
        candidate = cluster::load_node(*local, request.candidate_node_id);
        if (!candidate) {
            cluster::set_switchover_state(*local, request.id, "failed",
                                          "the candidate has no node record");
            return "the candidate has no node record: nothing was stopped";
        }
        log::notice("switchover {}: handing over to node {}; draining for up to {} s", request.id,
                    candidate->node_id, request.drain.count());
        if (!drain(*local, request, stop_requested))
            return "the daemon is stopping: the drain ended, nothing was stopped";
        try {
            local->exec("CHECKPOINT");
        } catch (const pg::PgError& e) {
            log::warning("CHECKPOINT before the stop failed: {}", e.what());
        }
        cluster::set_switchover_state(*local, request.id, std::string(failover::kStopping), "");
    }
    const bool stopped = run_logged(
        "stopping the server",
        config::server_action_command(config::ServerAction::stop_wait, with_located_bindir(config),
                                      config::pg_ctl_directory(config)),
        std::chrono::seconds(config.shutdown_check_timeout) + kCommandMargin);
    if (!stopped && check_local(config, nullptr) != failover::LocalSeen::unreachable) {
        record_state(config, request.id, "failed", "the server did not stop");
        return "the server did not stop: it remains the primary";
    }
    return after_the_stop(config, request, *candidate, stop_requested);
}

}  // namespace pgwarden::daemon
