// pgwarden standby switchover: repmgr 5.3's checks, messages and exit codes; then the old primary
// is drained and stopped (by its pgwardend, asked through the database, or over SSH as repmgr
// does when no pgwardend runs there), this node's WAL is checked for the old primary's shutdown
// checkpoint, it is promoted, and the old primary rejoins it. On a failure after the stop, the
// old primary is started again, so one writable primary remains.
#include "command_registry.hpp"
#include "model/exit_codes.hpp"
#include "standby_actions.hpp"
#include "standby_promotion.hpp"
#include "standby_siblings.hpp"
#include "switchover_checks.hpp"
#include "switchover_pause.hpp"
#include "switchover_remote.hpp"
#include "switchover_superuser.hpp"
#include "switchover_wal.hpp"

#include "cluster/daemon_state_store.hpp"
#include "cluster/events.hpp"
#include "cluster/node_checks.hpp"
#include "cluster/replication_queries.hpp"
#include "cluster/switchover_queries.hpp"
#include "failover/handover.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>

#include <libpq-fe.h>

#include <thread>

namespace pgwarden::cli {
namespace {

using log::Level;
using standby::detail;
using standby::hint;
using Clock = std::chrono::steady_clock;

// The shipped haproxy.cfg marks a node down after fall 2 x inter 1 s; one more second for the
// check in flight.
constexpr int kDefaultDrainSecs = 3;
constexpr auto kPoll = std::chrono::milliseconds(200);

std::string describe_node(const cluster::NodeRecord& node) {
    return fmt::format("\"{}\" (ID: {})", node.node_name, node.node_id);
}

// Polls `done` every kPoll until it holds or `limit` passes.
template <typename Done>
bool wait_for(std::chrono::milliseconds limit, Done done) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
        if (done())
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(kPoll);
    }
}

bool server_down(const std::string& conninfo) {
    const auto ping = PQping(text::with_default(conninfo, "connect_timeout", "2").c_str());
    return ping == PQPING_NO_RESPONSE;
}

struct Sides {
    config::RepmgrConfig config;
    cluster::NodeRecord local;
    cluster::NodeRecord primary;
    std::vector<cluster::NodeRecord> nodes;
};

// The part after the checks: everything from the pause on. `remote` reaches the old primary.
// `superuser`: -S's session on this node, if given.
int carry_out(const CliOptions& options, Sides& sides, pg::Connection& local,
              pg::Connection* superuser, switchover::Remote& remote,
              const std::vector<cluster::NodeRecord>& siblings,
              const standby::SiblingPlan& sibling_plan) {
    const auto& config = sides.config;
    std::optional<pg::Connection> primary_for_flags;
    const switchover::PrimaryFinder flags_primary = [&]() -> pg::Connection* {
        if (!primary_for_flags)
            if (auto found = cluster::connect_primary(local))
                primary_for_flags = std::move(found->conn);
        return primary_for_flags ? &*primary_for_flags : nullptr;
    };
    switchover::PauseRecord paused;
    if (!options.repmgrd_no_pause) {
        paused = switchover::pause_daemons(sides.nodes, options.dry_run, flags_primary);
        if (paused.unreachable > 0 && !options.force) {
            log::error("unable to connect to {} node(s), unable to pause all repmgrd instances",
                       paused.unreachable);
            hint(Level::error, "use -F/--force to continue anyway");
            switchover::unpause_daemons(sides.nodes, paused, false, flags_primary);
            return model::kErrSwitchoverFail;
        }
    }
    const auto unpause = [&] {
        primary_for_flags.reset();  // the primary may have changed
        if (!options.repmgrd_no_pause)
            switchover::unpause_daemons(sides.nodes, paused, options.repmgrd_force_unpause,
                                        flags_primary);
    };

    const char* would = options.dry_run ? "would" : "will";
    log::notice(
        "local node {} {} be promoted to primary; current primary {} {} be demoted to standby",
        describe_node(sides.local), would, describe_node(sides.primary), would);
    if (options.dry_run) {
        remote.describe_stop();
        log::info("parameter \"shutdown_check_timeout\" is set to {} seconds",
                  config.shutdown_check_timeout);
        log::info("prerequisites for executing STANDBY SWITCHOVER are met");
        return model::kSuccess;
    }

    // 1. The old primary answers 503 and is drained, then stopped.
    const auto stop = remote.stop();
    if (!stop.ok) {
        log::error("{}", stop.error);
        detail(Level::error, fmt::format("node {} remains the primary; nothing else was changed",
                                         describe_node(sides.primary)));
        unpause();
        return model::kErrSwitchoverFail;
    }
    // repmgr's one attempt a second, each polled five times: the outage ends no later than it must.
    bool down = false;
    for (int i = 0; i < config.shutdown_check_timeout && !down; ++i) {
        log::info("checking for primary shutdown; {} of {} attempts (\"shutdown_check_timeout\")",
                  i + 1, config.shutdown_check_timeout);
        down = wait_for(std::chrono::milliseconds(800),
                        [&] { return server_down(sides.primary.conninfo); });
    }
    const auto give_back = [&](const std::string& why) {
        log::notice("aborting switchover: {}", why);
        remote.restart_as_primary();
        const bool back = wait_for(std::chrono::seconds(config.standby_reconnect_timeout), [&] {
            auto conn = cluster::try_connect(sides.primary.conninfo);
            return conn && cluster::query_role(*conn) == cluster::Role::primary;
        });
        if (back)
            detail(Level::notice,
                   fmt::format("node {} is the primary again", describe_node(sides.primary)));
        else
            log::error(
                "node {} did not come back as the primary: start it, or promote this node "
                "with \"pgwarden standby promote\"",
                describe_node(sides.primary));
        unpause();
        return model::kErrSwitchoverFail;
    };
    if (!down) {
        log::error("shutdown of the primary server could not be confirmed");
        hint(Level::error, "check the primary server status before performing any further actions");
        return give_back("the old primary did not stop");
    }

    // 2. This node holds the old primary's shutdown checkpoint, and nothing after it is missing.
    switchover::WalTail tail;
    const bool received = wait_for(std::chrono::seconds(config.wal_receive_check_timeout), [&] {
        tail = switchover::read_wal_tail(config, remote.wal_from(), remote.timeline());
        return tail.ends_with_shutdown_checkpoint();
    });
    if (received) {
        log::notice("current primary has been cleanly shut down at location {}",
                    model::format_lsn(*tail.shutdown_checkpoint));
    } else {
        log::warning("local node \"{}\" is behind shutdown primary \"{}\"", sides.local.node_name,
                     sides.primary.node_name);
        detail(Level::warning,
               tail.last_record
                   ? fmt::format("the last WAL record here is at {}, not the primary's shutdown "
                                 "checkpoint",
                                 model::format_lsn(*tail.last_record))
                   : std::string(
                         "the primary's shutdown checkpoint was not found in this node's WAL"));
        if (!options.always_promote) {
            hint(Level::notice, "use --always-promote to force promotion of standby");
            return give_back("this node lacks WAL of the old primary");
        }
    }
    // Promotion ends recovery only after everything received is replayed: wait for that first,
    // so the promotion itself is quick.
    wait_for(std::chrono::seconds(config.wal_receive_check_timeout), [&] {
        const auto replay = cluster::replay_state(local);
        return !replay.wal_pending;
    });

    // 3. Promote, through the session the old primary's daemon watches; as repmgr, through -S's
    // session from PostgreSQL 12 on, where pg_promote() needs a superuser (or a grant).
    pg::Connection& promoter =
        superuser != nullptr && PQserverVersion(local.get()) >= 120000 ? *superuser : local;
    if (const int code = standby::promote_local_node(remote.decision_session(promoter), config,
                                                     sides.local, sides.nodes);
        code != model::kSuccess) {
        // Promoted all the same (its bookkeeping failed, or it finished late): starting the old
        // primary again would make two. It rejoins this node instead.
        if (cluster::query_role(local) != cluster::Role::primary)
            return give_back("the promotion failed");
        log::warning("this node is the primary although its promotion reported a failure");
    }

    if (options.force_rewind)
        switchover::checkpoint_for_rewind(config, superuser, local);

    // 4. The old primary rejoins as this node's standby.
    remote.rejoin(sides.local, !received);
    const bool attached = wait_for(std::chrono::seconds(config.standby_reconnect_timeout), [&] {
        return standby::is_attached(local, sides.primary.node_name);
    });
    std::string details;
    bool success = attached;
    if (attached)
        details = fmt::format("node {} promoted to primary, node {} demoted to standby",
                              describe_node(sides.local), describe_node(sides.primary));
    else
        details = fmt::format(
            "node {} promoted to primary, but demoted node {} did not connect to the new primary",
            describe_node(sides.local), describe_node(sides.primary));
    cluster::record_event(&local, config,
                          {sides.local.node_id, "standby_switchover", success, details,
                           sides.primary.node_id, std::nullopt, std::nullopt});
    remote.finish(local, success, details);

    if (options.siblings_follow && !siblings.empty()) {
        const standby::SiblingOptions sibling_options{true, options.force, false,
                                                      options.remote_user.value_or("")};
        standby::follow_siblings(sibling_plan, sides.local, config, sibling_options);
    }
    unpause();
    if (success) {
        log::notice("switchover was successful");
        detail(Level::notice, fmt::format("node \"{}\" is now primary and node \"{}\" is attached "
                                          "as standby",
                                          sides.local.node_name, sides.primary.node_name));
        log::notice("STANDBY SWITCHOVER has completed successfully");
        return model::kSuccess;
    }
    log::notice("switchover is incomplete");
    detail(Level::notice,
           fmt::format("node \"{}\" is now primary but node \"{}\" is not attached as standby",
                       sides.local.node_name, sides.primary.node_name));
    log::notice("STANDBY SWITCHOVER has completed with issues");
    hint(Level::notice, "see preceding log message(s) for details");
    return model::kErrSwitchoverIncomplete;
}

int run_switchover(const CliOptions& options) {
    // The drain is at least HAProxy's check interval and at most what a planned stop may wait.
    if (options.drain_timeout && (*options.drain_timeout < 1 || *options.drain_timeout > 600)) {
        log::error("--drain-timeout must be between 1 and 600 seconds, not {}",
                   *options.drain_timeout);
        return model::kErrBadConfig;
    }
    Sides sides{standby::load_config(options), {}, {}, {}};
    const auto& config = sides.config;
    auto local = standby::try_connect(config.conninfo, Level::error);
    if (!local) {
        log::error("unable to connect to local node \"{}\" (ID: {})", config.node_name,
                   config.node_id);
        return model::kErrDbConn;
    }
    sides.nodes = cluster::load_nodes(*local);
    const auto self = std::find_if(sides.nodes.begin(), sides.nodes.end(),
                                   [&](const auto& n) { return n.node_id == config.node_id; });
    if (self == sides.nodes.end()) {
        log::error("unable to retrieve node record for node {}", config.node_id);
        return model::kErrDbQuery;
    }
    sides.local = *self;
    if (sides.local.type == model::NodeType::witness) {
        log::error("switchover can only performed with streaming replication");
        return model::kErrBadConfig;
    }
    if (options.dry_run)
        log::notice("checking switchover on node {} in --dry-run mode", describe_node(sides.local));
    else
        log::notice("executing switchover on node {}", describe_node(sides.local));
    auto superuser = switchover::check_local_superuser(options, config, *local);
    if (superuser.refused)
        return *superuser.refused;

    if (cluster::query_role(*local) != cluster::Role::standby) {
        log::error("switchover must be executed from the standby node to be promoted");
        detail(Level::error, fmt::format("this node (ID: {}) is the primary", config.node_id));
        return model::kErrSwitchoverFail;
    }
    auto primary = standby::find_reachable_primary(sides.nodes, config.node_id);
    if (!primary) {
        log::error("unable to connect to current primary node");
        hint(Level::error,
             "check that the cluster is correctly configured and this standby is registered");
        return model::kErrDbConn;
    }
    const auto primary_record = cluster::load_node(primary->conn, primary->node_id);
    if (!primary_record) {
        log::error("unable to retrieve node record for current primary (node {})",
                   primary->node_id);
        return model::kErrDbQuery;
    }
    sides.primary = *primary_record;
    if (sides.local.upstream_node_id != sides.primary.node_id) {
        log::error("local node {} is not a downstream of demotion candidate primary {}",
                   describe_node(sides.local), describe_node(sides.primary));
        if (sides.local.upstream_node_id)
            detail(Level::error,
                   fmt::format("registered upstream node ID is {}", *sides.local.upstream_node_id));
        else
            detail(Level::error, "local node has no registered upstream node");
        hint(Level::error,
             "execute \"repmgr standby register --force\" to update the local node's metadata");
        return model::kErrBadConfig;
    }
    if (!standby::is_attached(primary->conn, sides.local.node_name)) {
        log::error("local node {} is not attached to demotion candidate {}",
                   describe_node(sides.local), describe_node(sides.primary));
        return model::kErrBadConfig;
    }

    // Who reaches the old primary: its pgwardend through the database, or SSH as repmgr.
    auto remote = switchover::make_remote(options, config, sides.primary, primary->conn,
                                          options.drain_timeout.value_or(kDefaultDrainSecs));
    if (!remote)
        return model::kErrBadConfig;
    if (options.superuser)
        if (const auto code = remote->check_superuser(*options.superuser))
            return *code;

    if (const auto code = switchover::check_archive(
            primary->conn, sides.config, sides.primary.node_name, options.force, options.dry_run))
        return *code;
    if (const auto code = switchover::check_lag(*local, config, options.force, options.dry_run))
        return *code;

    const auto siblings = standby::active_siblings(sides.nodes, sides.local);
    if (const auto code =
            switchover::check_missing_siblings(primary->conn, siblings, options.force))
        return *code;
    const standby::SiblingOptions sibling_options{
        options.siblings_follow, options.force, options.dry_run, options.remote_user.value_or("")};
    standby::SiblingPlan sibling_plan{siblings, {}, 0, 0, 0};
    if (!standby::check_siblings(sibling_plan, config, sibling_options))
        return model::kErrBadConfig;
    return carry_out(options, sides, *local, superuser.conn ? &*superuser.conn : nullptr, *remote,
                     siblings, sibling_plan);
}

const CommandRegistration reg_standby_switchover{
    {{"standby", "switchover"},
     "promote this standby and demote the current primary to its standby",
     "pgwarden standby switchover: a planned switchover, as \"repmgr standby switchover\".\n"
     "\n"
     "Usage: pgwarden [-f repmgr.conf] standby switchover [--siblings-follow] [--always-promote]\n"
     "       [--force-rewind[=PATH]] [--dry-run] [--repmgrd-no-pause] [--repmgrd-force-unpause]\n"
     "       [--drain-timeout=SECS] [-R USER] [-S USER] [-F]\n"
     "\n"
     "Run on the standby to be promoted. Checks the cluster (this node streams from the\n"
     "primary, every sibling too, replication lag, the primary's archive backlog), pauses the\n"
     "failover daemons, then: where pgwardend runs on the primary it is asked through the\n"
     "database to answer 503 on /primary, drain (--drain-timeout, default 3 s: the shipped\n"
     "haproxy.cfg's fall x inter, or until its client sessions are gone) and stop the server;\n"
     "elsewhere the server is stopped over SSH (ssh_options) with \"pgwarden node service\".\n"
     "Then this node's WAL must hold the old primary's shutdown checkpoint; it is promoted, and\n"
     "the old primary rejoins it (node rejoin). Any failure after the stop starts the old\n"
     "primary again. Records standby_switchover (and node_rejoin from the old primary).\n"
     "\n"
     "  --siblings-follow        make the other standbys follow this node (over SSH)\n"
     "  --always-promote         promote even when this node lacks WAL of the old primary\n"
     "  --force-rewind[=PATH]    let the old primary's rejoin use pg_rewind when needed\n"
     "  --dry-run                check the prerequisites only\n"
     "  --repmgrd-no-pause       do not pause the daemons\n"
     "  --repmgrd-force-unpause  unpause every daemon afterwards, also those paused before\n"
     "  -R, --remote-user        the SSH user on the other nodes\n"
     "  -S, --superuser=USER     a superuser, if the repmgr user is not one: checked on both\n"
     "                           nodes first, then used to promote, for the CHECKPOINT before\n"
     "                           the old primary stops (over SSH) and the one pg_rewind needs\n"
     "  -F, --force              go on past failed checks where repmgr allows it\n"
     "\n"
     "Exit codes: 0 success, 1 bad configuration or a refused check, 6 no connection,\n"
     "18 switchover failed (the old primary is the primary), 22 switchover incomplete.\n",
     &run_switchover}};

}  // namespace
}  // namespace pgwarden::cli
