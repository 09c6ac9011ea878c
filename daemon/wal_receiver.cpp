#include "wal_receiver.hpp"

#include "cluster/wal_receiver_queries.hpp"
#include "cluster_io.hpp"
#include "exec/in_parallel.hpp"
#include "failover/wal_receiver_freeze.hpp"
#include "log/log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

namespace pgwarden::daemon {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kPoll = 100ms;
constexpr auto kSiblingPoll = 250ms;
// A reload reaches every backend within milliseconds; past this the change did not take.
constexpr auto kReloadWait = 2s;
// A WAL receiver leaves within a second of SIGTERM.
constexpr auto kReceiverExitWait = 5s;
// The startup process restarts a receiver that failed once at once, whatever the interval (seen
// here: the second one stays down); one round more than repmgrd's two, for a slow reload.
constexpr int kStopRounds = 3;
constexpr int kThawConnectAttempts = 5;
constexpr auto kThawRetryInterval = 1s;

using cluster::read_retry_interval;
using cluster::wal_receiver_pid;
using cluster::write_retry_interval;

// Whether this session sees `frozen` within kReloadWait (the startup process gets the same
// reload signal at the same moment).
bool reload_took_hold(pg::Connection& conn, bool frozen) {
    const auto deadline = Clock::now() + kReloadWait;
    while (true) {
        const auto now = read_retry_interval(conn);
        if (now && (now->ms >= failover::kWalReceiverDisableMs) == frozen)
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(kPoll);
    }
}

bool process_gone(int pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

bool wait_gone(int pid) {
    const auto deadline = Clock::now() + kReceiverExitWait;
    while (!process_gone(pid)) {
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(kPoll);
    }
    return true;
}

// SIGTERM to the local receiver until none runs, at most kStopRounds times.
void stop_local_receiver(pg::Connection& conn) {
    for (int round = 0; round < kStopRounds; ++round) {
        const int pid = wal_receiver_pid(conn);
        if (pid == 0) {
            log::info("{}", round == 0 ? "no WAL receiver is running on this node"
                                       : "the WAL receiver stays stopped");
            return;
        }
        log::notice("stopping the WAL receiver (PID {})", pid);
        if (::kill(pid, SIGTERM) != 0) {
            log::error(
                "unable to stop the WAL receiver (PID {}): {}\n"
                "HINT: pgwardend must run as the operating system user of the PostgreSQL server",
                pid, std::strerror(errno));
            return;
        }
        if (!wait_gone(pid)) {
            log::warning(
                "the WAL receiver (PID {}) is still running after {} s", pid,
                std::chrono::duration_cast<std::chrono::seconds>(kReceiverExitWait).count());
            return;
        }
        std::this_thread::sleep_for(kPoll);  // time for a restart to show, should one happen
    }
    if (const int pid = wal_receiver_pid(conn); pid != 0)
        log::warning("a WAL receiver (PID {}) started again", pid);
}

failover::ReceiverPid ask_receiver_pid(const config::RepmgrConfig& config,
                                       const cluster::NodeRecord& node) {
    std::string error;
    auto conn = open(node.conninfo, config, &error);
    if (!conn) {
        log::warning("unable to query the WAL receiver of node {}: {}", describe(node), error);
        return std::nullopt;
    }
    try {
        return wal_receiver_pid(*conn);
    } catch (const pg::PgError& e) {
        log::warning("unable to query the WAL receiver of node {}: {}", describe(node), e.what());
        return std::nullopt;
    }
}

// Waits up to sibling_nodes_disconnect_timeout for the siblings' receivers to be gone.
void wait_for_siblings(const config::RepmgrConfig& config,
                       const std::vector<cluster::NodeRecord>& siblings) {
    std::vector<cluster::NodeRecord> standbys;
    for (const auto& node : siblings)
        if (node.type != model::NodeType::witness)
            standbys.push_back(node);
    if (standbys.empty())
        return;
    const auto deadline =
        Clock::now() + std::chrono::seconds(config.sibling_nodes_disconnect_timeout);
    while (true) {
        const auto pids = exec::in_parallel(
            standbys, conversation_limit(config),
            [config](const cluster::NodeRecord& node) { return ask_receiver_pid(config, node); },
            [](const cluster::NodeRecord&) { return failover::ReceiverPid{}; });
        if (failover::sibling_receivers_stopped(pids)) {
            log::notice("WAL receiver disconnected on all {} sibling nodes", standbys.size());
            return;
        }
        if (Clock::now() >= deadline) {
            std::string still;
            for (std::size_t i = 0; i < standbys.size(); ++i)
                if (pids[i] && *pids[i] > 0)
                    still +=
                        fmt::format("{}node {} (WAL receiver PID {})", still.empty() ? "" : ", ",
                                    describe(standbys[i]), *pids[i]);
            log::warning(
                "WAL receiver still connected on at least one sibling node after "
                "sibling_nodes_disconnect_timeout ({} s); the election goes ahead\n"
                "DETAIL: still connected: {}",
                config.sibling_nodes_disconnect_timeout, still);
            return;
        }
        std::this_thread::sleep_for(kSiblingPoll);
    }
}

std::string describe_thaw_failure(const std::string& why) {
    return fmt::format(
        "unable to lower \"wal_retrieve_retry_interval\" again: {}\n"
        "HINT: the WAL receiver stays down until it is: on this node, ALTER SYSTEM SET it back "
        "to its value before the failover (or RESET it), then SELECT pg_reload_conf()",
        why);
}

// Takes the freeze's day off; RESET when that restores the setting exactly.
void thaw(const config::RepmgrConfig& config, bool reset_restores) {
    std::string error;
    auto conn = open(config.conninfo, config, &error);
    // A receiver left down stalls replication for a day: a local server restarting is waited for.
    for (int attempt = 1; !conn && attempt < kThawConnectAttempts; ++attempt) {
        std::this_thread::sleep_for(kThawRetryInterval);
        conn = open(config.conninfo, config, &error);
    }
    if (!conn) {
        log::error("{}", describe_thaw_failure(error));
        return;
    }
    try {
        const auto setting = read_retry_interval(*conn);
        if (!setting)
            return;
        const auto thawed = failover::thawed_retry_interval(setting->ms);
        if (!thawed)
            return;
        write_retry_interval(*conn, reset_restores ? std::nullopt : thawed);
        if (!reload_took_hold(*conn, false)) {
            log::error("{}", describe_thaw_failure("the reload did not take hold"));
            return;
        }
        log::notice(
            "\"wal_retrieve_retry_interval\" set back to {} milliseconds: the WAL "
            "receiver may start again",
            read_retry_interval(*conn).value_or(cluster::RetryIntervalSetting{*thawed, false}).ms);
    } catch (const pg::PgError& e) {
        log::error("{}", describe_thaw_failure(e.what()));
    }
}

}  // namespace

WalReceiverFreeze::WalReceiverFreeze(const config::RepmgrConfig& config,
                                     const std::vector<cluster::NodeRecord>& siblings)
    : config_(config) {
    if (!config.standby_disconnect_on_failover)
        return;
    std::string error;
    auto conn = open(config.conninfo, config, &error);
    if (!conn) {
        log::error("unable to stop the local WAL receiver: {}", error);
        return;
    }
    try {
        const auto setting = read_retry_interval(*conn);
        const auto frozen = setting ? failover::frozen_retry_interval(setting->ms) : std::nullopt;
        if (frozen) {
            log::notice("setting \"wal_retrieve_retry_interval\" to {} milliseconds", *frozen);
            // Marked first: a thaw of an interval that never rose does nothing.
            frozen_ = true;
            reset_restores_ = setting->reset_restores;
            write_retry_interval(*conn, *frozen);
            if (!reload_took_hold(*conn, true)) {
                log::warning(
                    "\"wal_retrieve_retry_interval\" did not change after the reload (is it set "
                    "on the server's command line?): the WAL receiver is not stopped");
                return;
            }
        }
        stop_local_receiver(*conn);
    } catch (const pg::PgError& e) {
        log::error(
            "unable to stop the local WAL receiver: {}\n"
            "HINT: standby_disconnect_on_failover needs a superuser, or GRANT ALTER SYSTEM ON "
            "PARAMETER wal_retrieve_retry_interval to the repmgr user",
            e.what());
    }
    wait_for_siblings(config, siblings);
}

WalReceiverFreeze::~WalReceiverFreeze() {
    if (frozen_)
        thaw(config_, reset_restores_);
}

void thaw_left_over_freeze(const config::RepmgrConfig& config) {
    thaw(config, false);
}

}  // namespace pgwarden::daemon
