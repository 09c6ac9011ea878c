// pgwarden node rejoin: turn a stopped, stale former primary into a standby of the new primary as
// repmgr 5.3 does: check the data directory was shut down cleanly and can attach (pg_rewind it
// with --force-rewind where the timelines diverged), write standby.signal and primary_conninfo,
// start it, record it as a standby of the primary and record node_rejoin.
#include "command_registry.hpp"
#include "global_options.hpp"
#include "model/exit_codes.hpp"
#include "node_rejoin_plan.hpp"
#include "rejoin_data_directory.hpp"
#include "replication_files.hpp"
#include "standby_actions.hpp"
#include "standby_decisions.hpp"

#include "cluster/connect.hpp"
#include "cluster/events.hpp"
#include "cluster/node_rejoin_queries.hpp"
#include "exec/shell.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <filesystem>
#include <thread>

namespace pgwarden::cli {
namespace {

namespace fs = std::filesystem;
using log::Level;
using standby::detail;
using standby::hint;

constexpr std::chrono::seconds kOneSecond{1};

void print(const rejoin::Report& report, bool verbose) {
    for (const auto& line : report) {
        if (line.verbose_only && !verbose)
            continue;
        switch (line.kind) {
            case rejoin::Line::Kind::message:
                log::at(line.level, "{}", line.text);
                break;
            case rejoin::Line::Kind::detail:
                detail(line.level, line.text);
                break;
            case rejoin::Line::Kind::hint:
                hint(line.level, line.text);
                break;
        }
    }
}

const char* describe_ping(PGPing ping) {
    switch (ping) {
        case PQPING_OK:
            return "PQPING_OK";
        case PQPING_REJECT:
            return "PQPING_REJECT";
        case PQPING_NO_RESPONSE:
            return "PQPING_NO_RESPONSE";
        case PQPING_NO_ATTEMPT:
            return "PQPING_NO_ATTEMPT";
    }
    return "unknown";
}

bool start_local(const config::RepmgrConfig& config) {
    std::string command = config.service_start_command;
    if (command.empty()) {
        command = fmt::format("{} {} -w -D '{}' start", standby::pg_program(config, "pg_ctl"),
                              config.pg_ctl_options, config.data_directory);
    }
    log::notice("starting server using \"{}\"", command);
    const auto outcome =
        exec::run_shell(command, std::chrono::seconds(config.node_rejoin_timeout), Level::debug);
    return outcome.ok();
}

// repmgr's check_replication_slots_available: a slot for this node must fit on the primary.
bool slots_available(pg::Connection& primary, const cluster::NodeRecord& record, bool verbose) {
    const auto capacity = cluster::slot_capacity(primary);
    if (!capacity) {
        log::error("unable to determine number of free replication slots on node {}",
                   record.node_id);
        return false;
    }
    if (capacity->free < 1) {
        log::error("no free replication slots available on node {}", record.node_id);
        hint(Level::error,
             fmt::format("consider increasing \"max_replication_slots\" (current value: {})",
                         capacity->max));
        return false;
    }
    // repmgr 5.3 passes the node ID and the count the other way round; scripts see its line.
    if (verbose)
        log::info("replication slots in use, {} free slots on node {}", record.node_id,
                  capacity->free);
    return true;
}

struct RejoinTarget {
    cluster::NodeRecord primary;
    pg::Connection conn;
    cluster::NodeRecord local;
};

// The registered primary behind the -d node, connected, checked to be a primary, and this node's
// record on it; nullopt after logging why not (the exit code in `code`).
std::optional<RejoinTarget> find_primary(const config::RepmgrConfig& config,
                                         const std::string& source_conninfo, int& code) {
    code = model::kErrBadConfig;
    auto upstream = standby::try_connect(source_conninfo, Level::error);
    if (!upstream) {
        code = model::kErrDbConn;
        return std::nullopt;
    }
    const auto primary = standby::primary_record(cluster::load_nodes(*upstream));
    if (!primary) {
        log::error("unable to retrieve primary node record");
        hint(Level::error,
             "check the provided database connection string is for a \"repmgr\" "
             "database");
        return std::nullopt;
    }
    auto conn = standby::try_connect(primary->conninfo);
    if (!conn) {
        log::error("unable to connect to current registered primary \"{}\" (ID: {})",
                   primary->node_name, primary->node_id);
        detail(Level::error,
               fmt::format("registered primary node conninfo is: \"{}\"", primary->conninfo));
        if (cluster::query_role(*upstream) == cluster::Role::primary) {
            log::warning(
                "provided upstream connection string is for a server which is not in "
                "recovery, but not registered as primary");
            hint(Level::warning, "fix repmgr metadata configuration before continuing");
        }
        return std::nullopt;
    }
    if (cluster::query_role(*conn) != cluster::Role::primary) {
        log::error(
            "primary server is registered as node \"{}\" (ID: {}), but server is not a "
            "primary",
            primary->node_name, primary->node_id);
        return std::nullopt;
    }
    auto local = cluster::load_node(*conn, config.node_id);
    if (!local) {
        log::error("unable to retrieve node record for the local node");
        hint(Level::error,
             fmt::format("check the local node is registered with the current primary \"{}\" "
                         "(ID: {})",
                         primary->node_name, primary->node_id));
        return std::nullopt;
    }
    return RejoinTarget{*primary, std::move(*conn), *local};
}

std::optional<rejoin::AttachVerdict> check_attach(const config::RepmgrConfig& config,
                                                  const rejoin::ControlData& control,
                                                  const cluster::NodeRecord& primary,
                                                  bool force_rewind, bool unclean, bool dry_run) {
    const auto target = cluster::identify_system(primary.conninfo);
    if (!target) {
        log::error("unable to establish a replication connection to the rejoin target node");
        return std::nullopt;
    }
    // repmgr 5.3 shows the connection and identifier lines in --dry-run only, -v or not.
    if (dry_run)
        log::info("replication connection to the rejoin target node was successful");
    const auto point = rejoin::recovery_point(control);
    failover::AttachFacts facts;
    facts.local_system_id = control.system_id;
    facts.local_tli = point.tli;
    facts.local_lsn = point.lsn;
    facts.target_system_id = target->system_id;
    facts.target_tli = target->timeline;
    facts.target_lsn = target->lsn;
    if (facts.target_tli > facts.local_tli) {
        if (auto history = cluster::timeline_history(primary.conninfo, facts.target_tli))
            facts.fork_lsn = failover::timeline_switchpoint(*history, facts.local_tli);
    }
    auto verdict = rejoin::attach_verdict(facts, force_rewind, config.node_id, primary.node_id);
    if (verdict.action == rejoin::AttachVerdict::Action::rewind) {
        if (auto skipped = rejoin::rewind_skipped(facts, unclean, primary.node_id)) {
            verdict.action = rejoin::AttachVerdict::Action::attach;
            verdict.report.insert(verdict.report.end(), skipped->begin(), skipped->end());
        }
    }
    print(verdict.report, dry_run);
    return verdict;
}

// repmgr's check_standby_join: up to node_rejoin_timeout one-second attempts, first for the
// server to answer, then for it to stream from the primary, with repmgr's progress lines.
enum class Join { joined, no_ping, not_streaming };
Join wait_for_join(const config::RepmgrConfig& config, RejoinTarget& target) {
    const int attempts = config.node_rejoin_timeout;
    int attempt = 0;
    for (; attempt < attempts && PQping(config.conninfo.c_str()) != PQPING_OK; ++attempt)
        std::this_thread::sleep_for(kOneSecond);
    if (attempt >= attempts)
        return Join::no_ping;
    for (; attempt < attempts; ++attempt) {
        const auto state = cluster::replication_state(target.conn, config.node_name);
        if (state == "streaming")
            return Join::joined;
        if (state)
            log::warning("node \"{}\" attached in state \"{}\"", config.node_name, *state);
        if (attempt % 5 == 0) {
            log::info(
                "waiting for node \"{}\" (ID: {}) to connect to new primary; {} of max {} "
                "attempts (parameter \"node_rejoin_timeout\")",
                config.node_name, config.node_id, attempt + 1, attempts);
            // repmgr 5.3 names the primary with this node's ID here; scripts see its line.
            if (state)
                detail(Level::info,
                       fmt::format("node \"{}\" (ID: {}) is currently attached to its upstream "
                                   "node in state \"{}\"",
                                   target.primary.node_name, config.node_id, *state));
        }
        std::this_thread::sleep_for(kOneSecond);
    }
    return Join::not_streaming;
}

int command_line_errors(const std::vector<std::string>& errors) {
    std::fputs(command_line_errors_text(errors, "node").c_str(), stderr);
    return model::kErrBadConfig;
}

int node_rejoin(const CliOptions& cli) {
    // repmgr's check_cli_parameters() (in load_config) refuses a missing connection first.
    const auto config = standby::load_config(cli);
    const auto parsed = rejoin::parse_rejoin_options(cli);
    if (!parsed.options)
        return command_line_errors(parsed.errors);
    const auto& options = *parsed.options;
    // repmgr's log_verbose lines: -v, and --dry-run, which is there to show them.
    const bool verbose = cli.verbose || options.dry_run;

    const PGPing ping = PQping(config.conninfo.c_str());
    if (ping == PQPING_NO_ATTEMPT) {
        log::error("unable to determine status of server");
        return model::kErrBadConfig;
    }
    const auto control = rejoin::read_controldata(config);
    if (!control) {
        log::error("unable to determine database state from pg_control");
        return model::kErrBadConfig;
    }
    if (ping == PQPING_OK || ping == PQPING_REJECT) {
        log::error("database is still running in state \"{}\"", control->state);
        hint(Level::error, "\"repmgr node rejoin\" cannot be executed on a running node");
        return model::kErrRejoinFail;
    }
    log::debug("local server answers {}", describe_ping(ping));
    const auto version = rejoin::read_server_version(config.data_directory);
    if (!version) {
        log::error("unable to determine database version");
        return model::kErrBadConfig;
    }
    const auto shutdown = rejoin::shutdown_verdict(control->state, *version, options.force_rewind);
    print(shutdown.report, verbose);
    if (shutdown.exit_code)
        return *shutdown.exit_code;

    int code = model::kSuccess;
    auto target = find_primary(config, options.source_conninfo, code);
    if (!target)
        return code;
    log::notice("rejoin target is node \"{}\" (ID: {})", target->primary.node_name,
                target->primary.node_id);
    if (config.use_replication_slots && !slots_available(target->conn, target->primary, verbose))
        return model::kErrBadConfig;
    const auto attach = check_attach(config, *control, target->primary, options.force_rewind,
                                     shutdown.unclean, options.dry_run);
    if (!attach || attach->action == rejoin::AttachVerdict::Action::refuse)
        return model::kErrRejoinFail;
    const bool rewind = attach->action == rejoin::AttachVerdict::Action::rewind;

    const std::string program = options.rewind_program.empty()
                                    ? standby::pg_program(config, "pg_rewind")
                                    : options.rewind_program;
    // A password of the node record goes to pg_rewind's environment, not its command line.
    const auto source = text::password_apart(target->primary.conninfo);
    exec::Environment rewind_environment;
    if (source.password)
        rewind_environment.emplace_back("PGPASSWORD", *source.password);
    const auto command = rejoin::rewind_command(program, config.data_directory, source.conninfo);
    const auto archive_dir =
        rejoin::archive_directory(options.config_archive_dir, config.node_name);
    if (rewind) {
        if (const auto obstacle = rejoin::rewind_obstacle(target->conn, *control)) {
            log::error("--force-rewind specified but pg_rewind cannot be used");
            detail(Level::error, *obstacle);
            return model::kErrBadConfig;
        }
        // --dry-run says it in its report.
        if (cli.verbose && !options.dry_run)
            log::info("prerequisites for using pg_rewind are met");
    }
    if (options.dry_run) {
        std::vector<bool> existing;
        for (const auto& name : options.config_files)
            existing.push_back(fs::exists(fs::path(config.data_directory) / name));
        print(rejoin::dry_run_report(options, rewind, command, archive_dir, existing,
                                     config.data_directory),
              verbose);
        return model::kSuccess;
    }
    if (rewind) {
        // Until the new primary's first checkpoint, its pg_control still names the old timeline
        // and pg_rewind answers "no rewind required", leaving a node that can never stream.
        // repmgr 5.3 leaves this to the operator (its switchover issues the CHECKPOINT).
        try {
            log::debug("issuing CHECKPOINT on node \"{}\" (ID: {})", target->primary.node_name,
                       target->primary.node_id);
            cluster::checkpoint(target->conn);
        } catch (const pg::PgError& e) {
            log::warning("unable to execute CHECKPOINT on node \"{}\" (ID: {})",
                         target->primary.node_name, target->primary.node_id);
            detail(Level::warning, e.what());
        }
        if (const auto failed = rejoin::run_rewind(config, options, command, rewind_environment,
                                                   shutdown.unclean, archive_dir, verbose))
            return *failed;
    }

    cluster::Event event{config.node_id,
                         "node_rejoin",
                         false,
                         "",
                         target->primary.node_id,
                         target->primary.conninfo,
                         target->primary.node_name};
    auto fail = [&](const std::string& details, int exit_code) {
        event.details = details;
        log::error("NODE REJOIN failed");
        detail(Level::error, details);
        cluster::record_event(&target->conn, config, event);
        return exit_code;
    };

    std::optional<std::string> slot;
    if (config.use_replication_slots) {
        slot = standby::slot_name_for(config.node_id);
        const auto where = fmt::format("node {}", describe(target->primary));
        if (!standby::ensure_slot(target->conn, *slot, where))
            return fail(fmt::format("unable to create replication slot \"{}\" on {}", *slot, where),
                        model::kErrRejoinFail);
    }
    log::notice("setting node {}'s upstream to node {}", config.node_id, target->primary.node_id);
    standby::ReplicationSettings settings;
    settings.primary_conninfo = standby::build_primary_conninfo(
        target->primary.conninfo,
        {config.node_name,
         config.replication_user.empty() ? target->local.repluser : config.replication_user,
         config.use_primary_conninfo_password, config.passfile});
    settings.primary_slot_name = slot;
    settings.restore_command = config.restore_command;
    settings.archive_cleanup_command = config.archive_cleanup_command;
    settings.recovery_min_apply_delay = config.recovery_min_apply_delay;
    try {
        standby::write_replication_config(config, settings);
    } catch (const std::exception& e) {
        log::error("unable to write the replication configuration of the local node");
        detail(Level::error, e.what());
        return fail("unable to write the replication configuration", model::kErrRejoinFail);
    }
    // repmgr's is_server_available before the start, with its warning.
    if (const PGPing before_start = PQping(config.conninfo.c_str()); before_start != PQPING_OK) {
        log::warning("unable to ping \"{}\"", config.conninfo);
        detail(Level::warning,
               fmt::format("PQping() returned \"{}\"", describe_ping(before_start)));
    }
    if (!start_local(config))
        return fail("unable to start server", model::kErrNoRestart);
    try {
        cluster::record_rejoined_standby(target->conn, config.node_id, target->primary.node_id);
    } catch (const pg::PgError& e) {
        log::error("unable to update upstream node");
        detail(Level::error, e.what());
        return fail("unable to update upstream node", model::kErrRejoinFail);
    }
    event.details =
        fmt::format("node {} is now attached to node {}", config.node_id, target->primary.node_id);

    bool success = false;
    if (options.wait) {
        const Join join = wait_for_join(config, *target);
        success = join == Join::joined;
        event.successful = success;
        cluster::record_event(&target->conn, config, event);
        if (!success) {
            log::error("NODE REJOIN failed");
            detail(Level::error,
                   join == Join::no_ping
                       ? fmt::format("local node \"{}\" did not become available start after {} "
                                     "seconds",
                                     config.node_name, config.node_rejoin_timeout)
                       : fmt::format("no active record for local node \"{}\" found in node "
                                     "\"{}\"'s \"pg_stat_replication\" table",
                                     config.node_name, target->primary.node_name));
            hint(Level::error, "check the PostgreSQL log on the local node");
            return model::kErrRejoinFail;
        }
    } else {
        // repmgr records no event with -W/--no-wait: the outcome is not known yet.
        success = cluster::replication_state(target->conn, config.node_name) == "streaming";
    }

    // The primary's own slot, copied in from its days as this node's standby, would hold WAL.
    if (!rewind && config.use_replication_slots) {
        if (auto local = standby::try_connect(config.conninfo))
            standby::drop_inactive_slot(*local, standby::slot_name_for(target->primary.node_id));
    }
    if (success) {
        log::notice("NODE REJOIN successful");
        detail(Level::notice, event.details);
    } else {
        log::notice("NODE REJOIN has completed but node is not yet reattached to upstream");
        hint(Level::notice, "you will need to manually check the node's replication status");
    }
    return model::kSuccess;
}

const CommandRegistration reg_node_rejoin{
    {{"node", "rejoin"},
     "make a stopped former primary a standby of the current primary",
     "pgwarden node rejoin: rejoin a dormant (stopped) node, as \"repmgr node rejoin\".\n"
     "\n"
     "Usage: pgwarden [-f repmgr.conf] node rejoin -d CONNINFO [--force-rewind[=PATH]]\n"
     "       [--config-files=FILE,...] [--config-archive-dir=DIR] [--dry-run] [-W|--no-wait]\n"
     "\n"
     "Runs on the stopped node; -d is any node of the cluster (normally the new primary), whose\n"
     "registered primary becomes this node's upstream. The data directory must have been shut\n"
     "down cleanly (from PostgreSQL 13, --force-rewind lets pg_rewind recover it). A node that\n"
     "went past the point where the primary's timeline forked off cannot stream: it is refused\n"
     "unless --force-rewind is given, which runs pg_rewind (pg_bindir, else the server's bin\n"
     "directory) after a CHECKPOINT on the primary; as repmgr's, --force-rewind runs pg_rewind\n"
     "also where nothing diverged (it then changes nothing). Unlike repmgr's, it does not where\n"
     "the data directory, not shut down cleanly, is already on the primary's timeline (a crashed\n"
     "standby of it, or a rejoin whose server did not start after pg_rewind): pg_rewind's crash\n"
     "recovery would write WAL the primary never had; the node recovers as a standby instead.\n"
     "--config-files are copied aside before pg_rewind and back after it: list the files in the\n"
     "data directory that differ between nodes (an included per-node file), or pg_rewind\n"
     "replaces them with the primary's.\n"
     "Then standby.signal and primary_conninfo are written, the server is started\n"
     "(service_start_command, else pg_ctl), its record on the primary becomes an active standby\n"
     "of the primary, and it waits node_rejoin_timeout seconds for the node to stream.\n"
     "\n"
     "  -d, --dbname=CONNINFO    a node of the cluster to find the primary through\n"
     "  --force-rewind[=PATH]    run pg_rewind first (PATH: the pg_rewind program)\n"
     "  --config-files=LIST      comma-separated files in the data directory kept across "
     "pg_rewind\n"
     "  --config-archive-dir=DIR where they are kept meanwhile (default /tmp)\n"
     "  --dry-run                check the prerequisites; says \"pg_rewind execution required\"\n"
     "                           when the timelines diverged\n"
     "  -W, --no-wait            do not wait for the node to attach (no node_rejoin event)\n"
     "\n"
     "Exit codes: 0 success, 1 bad configuration or command line, 4 the server did not start,\n"
     "6 no connection to the -d node, 24 rejoin refused or failed (node running, not shut down\n"
     "cleanly, cannot attach without --force-rewind, pg_rewind failed, did not attach).\n",
     &node_rejoin}};

}  // namespace
}  // namespace pgwarden::cli
