// `pgwarden node status` and `node check`: the local node as repmgr 5.3 reports it, and its health
// checks, each on its own (exit code = Nagios status) or all together (exit 25 on any issue).
// Facts are gathered here; the rules and wording are in node_check.cpp.
#include "../command_registry.hpp"
#include "../node_check.hpp"
#include "../node_remote_checks.hpp"
#include "../register_support.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_state.hpp"
#include "cluster/node_checks.hpp"
#include "cluster/node_record.hpp"
#include "cluster/replication_queries.hpp"
#include "cluster/server_settings.hpp"
#include "cluster/session_rights.hpp"
#include "log/log.hpp"

#include <libpq-fe.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace pgwarden::cli {
namespace {

// repmgr's get_ready_archive_files: the ".ready" files waiting for archive_command.
std::optional<int> ready_archive_files(const std::string& data_directory) {
    const std::string dir = data_directory + "/pg_wal/archive_status";
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) {
        log::error("unable to access archive_status directory \"{}\"", dir);
        reg::detail(log::Level::error, std::strerror(ec.value()));
        return std::nullopt;
    }
    int count = 0;
    for (const auto& entry : it) {
        if (entry.path().extension() == ".ready")
            ++count;
    }
    return count;
}

// Whether `node_name` streams from the server behind `conn` (repmgr's is_downstream_node_attached).
bool is_attached(pg::Connection& conn, const std::string& node_name) {
    const auto states = cluster::replication_states(conn, node_name);
    return states.size() == 1 && states.front() == "streaming";
}

std::vector<DownstreamNode> downstream_of(pg::Connection& conn, int node_id) {
    std::vector<DownstreamNode> nodes;
    for (const auto& record : cluster::load_downstream(conn, node_id)) {
        DownstreamNode node;
        node.id = record.node_id;
        node.name = record.node_name;
        node.witness = record.type == model::NodeType::witness;
        node.attached = !node.witness && is_attached(conn, node.name);
        nodes.push_back(std::move(node));
    }
    return nodes;
}

// `with_upstream`: also connect to the upstream to see whether this node streams from it; only
// the checks that need it do, so an upstream that is down fails no other check (as in repmgr).
// `output`: only the text form says that the data directory check falls back (as repmgr's).
NodeFacts gather_facts(pg::Connection& conn, const config::RepmgrConfig& config,
                       const cluster::NodeRecord& record, bool with_upstream, CheckOutput output) {
    NodeFacts facts;
    facts.node_id = record.node_id;
    facts.node_name = record.node_name;
    facts.type = record.type;
    facts.lag_warning = config.replication_lag_warning;
    facts.lag_critical = config.replication_lag_critical;
    facts.archive_ready_warning = config.archive_ready_warning;
    facts.archive_ready_critical = config.archive_ready_critical;
    facts.configured_data_directory = config.data_directory;

    const auto counts = cluster::check_counts(conn);
    facts.in_recovery = counts.in_recovery;
    facts.total_slots = counts.physical_slots;
    facts.inactive_slots = counts.inactive_physical_slots;

    if (*facts.in_recovery) {
        try {
            facts.lag_seconds = cluster::replay_lag_seconds(conn).value_or(0);
        } catch (const pg::PgError& e) {
            log::debug("replication lag unknown: {}", e.what());
        }
    }
    facts.ready_archive_files = ready_archive_files(config.data_directory);

    if (record.upstream_node_id) {
        if (const auto upstream = cluster::load_node(conn, *record.upstream_node_id)) {
            facts.upstream_name = upstream->node_name;
            facts.upstream_id = upstream->node_id;
            if (with_upstream) {
                // As repmgr: an unreachable upstream ends the check with a connection error.
                auto upstream_conn = pg::Connection::open(upstream->conninfo);
                facts.attached_to_upstream = is_attached(upstream_conn, config.node_name);
            }
        }
    }

    facts.downstream = downstream_of(conn, record.node_id);
    for (const auto& slot : cluster::standbys_missing_slots(conn, record.node_id))
        facts.missing_slot_names.push_back(slot.slot_name);

    facts.can_read_settings = cluster::can_read_all_settings(conn);
    if (facts.can_read_settings) {
        facts.actual_data_directory = cluster::data_directory(conn);
    } else if (output == CheckOutput::text) {
        log::info("connection is not a superuser connection, falling back to simple check");
        reg::hint(log::Level::info,
                  fmt::format("provide a superuser with -S/--superuser, or add the \"{}\" user to "
                              "role \"pg_read_all_settings\" or \"pg_monitor\"",
                              PQuser(conn.get())));
    }
    facts.configured_is_pg_dir = std::filesystem::exists(config.data_directory + "/PG_VERSION");

    // As repmgr's get_repmgrd_status: a failed query (no extension, library not preloaded)
    // reads as "not running".
    try {
        const bool running = cluster::daemon_running(conn).value_or(false);
        const bool paused = cluster::daemon_paused(conn);
        facts.daemon_running = running;
        facts.daemon_paused = paused;
    } catch (const pg::PgError& e) {
        log::debug("failover daemon state unknown: {}", e.what());
    }
    return facts;
}

// --db-connection: repmgr's diagnostic of the connection parameters libpq used.
int check_db_connection(const std::string& conninfo, CheckOutput output) {
    if (output == CheckOutput::csv || output == CheckOutput::nagios) {
        log::error("--{} output not provided with --db-connection option",
                   output == CheckOutput::csv ? "csv" : "nagios");
        return model::kErrBadConfig;
    }
    pg::ConnHandle conn(PQconnectdb(conninfo.c_str()));
    const bool ok = conn && PQstatus(conn.get()) == CONNECTION_OK;
    const CheckStatus status = ok ? CheckStatus::ok : CheckStatus::critical;
    if (output == CheckOutput::optformat) {
        std::fputs(fmt::format("--db-connection={}\n", check_status_name(status)).c_str(), stdout);
        return static_cast<int>(status);
    }
    std::string details;
    if (!ok) {
        details = "connection parameters used:";
        if (conn) {
            PQconninfoOption* options = PQconninfo(conn.get());
            for (auto* option = options; option != nullptr && option->keyword != nullptr;
                 ++option) {
                if (option->val != nullptr && option->val[0] != '\0') {
                    const std::string_view keyword = option->keyword;
                    details += fmt::format(" {}={}", keyword,
                                           keyword == "password" ? "********" : option->val);
                }
            }
            PQconninfoFree(options);
        }
    }
    std::fputs(fmt::format("{} ({})\n", check_status_name(status), details).c_str(), stdout);
    return static_cast<int>(status);
}

// --has-passfile, which repmgr's switchover asks the demotion candidate: whether its libpq
// knows the "passfile" connection parameter (9.6 and later), so that a conninfo written for it
// may carry one. Exit code only, as repmgr's.
int check_has_passfile() {
    PQconninfoOption* defaults = PQconndefaults();
    bool known = false;
    for (auto* option = defaults; option != nullptr && option->keyword != nullptr; ++option)
        known = known || std::string_view(option->keyword) == "passfile";
    PQconninfoFree(defaults);
    return known ? model::kSuccess : 1;
}

// repmgr's check_replication_config_owner: the file ALTER SYSTEM writes the replication settings
// to must belong to the data directory's owner, or a switchover could not rewrite it.
CheckStatus replication_config_owner(const std::string& data_directory) {
    struct stat dir_stat {};
    struct stat conf_stat {};
    const std::string conf = data_directory + "/postgresql.auto.conf";
    if (::stat(data_directory.c_str(), &dir_stat) != 0) {
        log::debug("unable to check ownership of \"{}\": {}", data_directory, std::strerror(errno));
        return CheckStatus::critical;
    }
    if (::stat(conf.c_str(), &conf_stat) != 0) {
        log::debug("unable to check ownership of \"{}\": {}", conf, std::strerror(errno));
        return CheckStatus::critical;
    }
    if (dir_stat.st_uid != conf_stat.st_uid) {
        log::debug("\"{}\" is owned by uid {}, the data directory by uid {}", conf,
                   conf_stat.st_uid, dir_stat.st_uid);
        return CheckStatus::critical;
    }
    return CheckStatus::ok;
}

using CheckFn = CheckResult (*)(const NodeFacts&);

// The single checks in the order repmgr tries them when several flags are given.
struct SingleCheck {
    const char* flag;
    CheckFn fn;
};
constexpr SingleCheck kSingleChecks[] = {
    {"archive-ready", &check_archive_ready},
    {"upstream", &check_upstream},
    {"downstream", &check_downstream},
    {"replication-lag", &check_replication_lag},
    {"role", &check_role},
    {"slots", &check_slots},
    {"missing-slots", &check_missing_slots},
    {"data-directory-config", &check_data_directory},
    {"repmgrd", &check_repmgrd},
};

int node_check(const CliOptions& options) {
    const auto config = reg::load_config(options);
    const CheckOutput output = options.nagios      ? CheckOutput::nagios
                               : options.csv       ? CheckOutput::csv
                               : options.optformat ? CheckOutput::optformat
                                                   : CheckOutput::text;
    // repmgr's switchover asks these of the other node through ssh, before any connection.
    if (options.has_passfile)
        return check_has_passfile();
    if (options.checks.count("replication-connection") != 0U)
        return print_replication_connection(config, options.remote_node_id);
    // -S: every check runs as that user, as repmgr's node check does (the data directory check
    // needs a superuser or pg_read_all_settings to compare with the server's own setting).
    // --db-connection lists the options repmgr's replacement adds.
    const auto local = reg::local_conninfo(config, options.superuser);
    if (!local) {
        if (output == CheckOutput::optformat)
            std::fputs("--error=CONNINFO_PARSE\n", stdout);
        return model::kErrBadConfig;
    }
    const std::string& conninfo = *local;
    if (options.checks.count("db-connection") != 0U)
        return check_db_connection(conninfo, output);

    // With --optformat the caller is a remote repmgr reading stdout: the error goes there too.
    if (output == CheckOutput::optformat && !cluster::try_connect(conninfo)) {
        std::fputs("--error=DB_CONNECTION\n", stdout);
        return model::kErrDbConn;
    }
    auto conn = pg::Connection::open(conninfo);
    const auto record = cluster::load_node(conn, config.node_id);
    if (!record) {
        log::error("no record found for node {}", config.node_id);
        return model::kErrBadConfig;
    }

    for (const auto& single : kSingleChecks) {
        if (options.checks.count(single.flag) == 0U)
            continue;
        if (output == CheckOutput::csv) {
            log::error("--csv output not provided with --{} option", single.flag);
            return model::kErrBadConfig;
        }
        const bool with_upstream = std::string_view(single.flag) == "upstream";
        const auto result = single.fn(gather_facts(conn, config, *record, with_upstream, output));
        std::fputs(format_single_check(result, output).c_str(), stdout);
        return static_cast<int>(result.status);
    }
    if (options.checks.count("replication-config-owner") != 0U) {
        if (output != CheckOutput::optformat) {
            log::error("--replication-config-owner option can only be used with --optformat");
            return model::kErrBadConfig;
        }
        const auto status = replication_config_owner(config.data_directory);
        std::fputs(
            fmt::format("--replication-config-owner={}\n", check_status_name(status)).c_str(),
            stdout);
        return static_cast<int>(status);
    }
    if (output == CheckOutput::nagios) {
        log::error("--nagios can only be used with a specific check");
        reg::hint(log::Level::error, "execute \"repmgr node --help\" for details");
        return model::kErrBadConfig;
    }
    const auto facts = gather_facts(conn, config, *record, true, output);
    const auto results = check_all(facts);
    std::fputs(format_check_overview(facts, results, output).c_str(), stdout);
    for (const auto& result : results) {
        if (result.status != CheckStatus::ok)
            return model::kErrNodeStatus;
    }
    return model::kSuccess;
}

NodeStatusFacts gather_status(pg::Connection& conn, const config::RepmgrConfig& config,
                              const cluster::NodeRecord& record) {
    NodeStatusFacts facts;
    facts.node_id = record.node_id;
    facts.node_name = record.node_name;
    facts.type = record.type;
    facts.conninfo = record.conninfo;
    const auto overview = cluster::server_overview(conn);
    facts.server_version = overview.server_version;
    facts.cluster_size = overview.cluster_size.value_or("unknown");
    facts.in_recovery = overview.in_recovery;
    facts.archive_mode_off = overview.archive_mode == "off";
    facts.archive_mode_on = overview.archive_mode == "on";
    facts.archive_command = overview.archive_command;
    facts.max_wal_senders = overview.max_wal_senders;
    facts.attached_wal_receivers = overview.attached_wal_receivers;
    facts.max_replication_slots = overview.max_replication_slots;
    facts.active_slots = overview.active_physical_slots;
    facts.inactive_slots = overview.inactive_physical_slots;
    if (facts.inactive_slots > 0)
        facts.inactive_slot_names = cluster::inactive_physical_slot_names(conn);
    facts.ready_archive_files = ready_archive_files(config.data_directory);
    facts.downstream = downstream_of(conn, record.node_id);
    if (facts.max_replication_slots != 0) {
        for (auto& slot : cluster::standbys_missing_slots(conn, record.node_id))
            facts.missing_slots.push_back(
                {std::move(slot.node_name), slot.node_id, std::move(slot.slot_name)});
    }
    if (record.type == model::NodeType::standby) {
        facts.upstream_id = record.upstream_node_id;
        if (record.upstream_node_id) {
            if (const auto upstream = cluster::load_node(conn, *record.upstream_node_id))
                facts.upstream_name = upstream->node_name;
        }
        const auto replay = cluster::standby_replay(conn);
        facts.last_received_lsn = model::parse_lsn(replay.received_lsn).value_or(model::Lsn{});
        facts.last_replayed_lsn = model::parse_lsn(replay.replayed_lsn).value_or(model::Lsn{});
        facts.replication_lag_seconds = replay.lag_seconds;
    }
    return facts;
}

int node_status(const CliOptions& options) {
    const auto config = reg::load_config(options);
    // No connection needed: pg_control and a ping say whether the server is down cleanly.
    if (options.is_shutdown_cleanly)
        return print_shutdown_state(config);
    auto conn = cluster::connect_local(config);
    const auto record = cluster::load_node(conn, config.node_id);
    if (!record) {
        log::error("no record found for node {}", config.node_id);
        return model::kErrBadConfig;
    }
    auto facts = gather_status(conn, config, *record);
    if (options.verbose) {
        // repmgr reads pg_control from the data directory; the server's copy is the same file.
        try {
            facts.system_identifier = cluster::system_identifier(conn);
        } catch (const pg::PgError& e) {
            log::debug("system identifier unknown: {}", e.what());
            facts.system_identifier = "";
        }
    }
    const auto report = format_node_status(facts, options.csv);
    std::fputs(report.text.c_str(), stdout);
    std::fflush(stdout);
    if (!report.warnings.empty() && !options.terse && !options.csv) {
        std::string text = "following issue(s) were detected:";
        for (const auto& warning : report.warnings)
            text += "\n  " + warning;
        log::warning("{}", text);
        reg::hint(log::Level::warning, "execute \"repmgr node check\" for more details");
    }
    return report.warnings.empty() ? model::kSuccess : model::kErrNodeStatus;
}

const CommandRegistration reg_node_status{
    {{"node", "status"},
     "overview of the local node's replication state",
     "pgwarden node status: the local node's replication state, as repmgr 5.3 reports it\n\n"
     "Usage:\n"
     "    pgwarden [OPTIONS] node status [--csv]\n"
     "    pgwarden [OPTIONS] node status --is-shutdown-cleanly\n\n"
     "Exit code 25 when an issue was detected (also with --csv). --is-shutdown-cleanly (for\n"
     "repmgr's switchover) needs no connection: it prints --state=UP, SHUTDOWN (with\n"
     "--last-checkpoint-lsn=X/Y), SHUTTING_DOWN, UNCLEAN_SHUTDOWN or UNKNOWN from a ping and\n"
     "pg_controldata of data_directory.\n",
     &node_status}};

const CommandRegistration reg_node_check{
    {{"node", "check"},
     "health checks of the local node, for monitoring",
     "pgwarden node check: health checks of the local node (repmgr 5.3's)\n\n"
     "Usage:\n"
     "    pgwarden [OPTIONS] node check [CHECK] [--nagios] [--csv]\n\n"
     "Without a CHECK every check runs and the exit code is 25 when any is not OK. With one\n"
     "CHECK the output is one line and the exit code is Nagios' (0 OK, 1 WARNING, 2 CRITICAL,\n"
     "3 UNKNOWN).\n\n"
     "Checks:\n"
     "    --role                    registered role matches the server's\n"
     "    --replication-lag         seconds behind (replication_lag_warning/critical)\n"
     "    --archive-ready           WAL files waiting for archive_command\n"
     "                              (archive_ready_warning/critical)\n"
     "    --upstream                this node streams from its registered upstream\n"
     "    --downstream              every registered downstream node streams from this one\n"
     "    --slots                   inactive physical replication slots\n"
     "    --missing-slots           slots registered downstream nodes need but are missing\n"
     "    --data-directory-config   data_directory in repmgr.conf is the server's\n"
     "    --repmgrd                 the failover daemon runs here and is not paused\n"
     "    --db-connection           diagnose the local connection\n"
     "    --replication-config-owner --optformat\n"
     "                              postgresql.auto.conf belongs to the data directory's owner\n"
     "                              (prints --replication-config-owner=OK|CRITICAL)\n"
     "    --replication-connection --remote-node-id=N\n"
     "                              node N can be reached over the replication protocol\n"
     "                              (prints --connection=OK|BAD|UNKNOWN|CONNECTION_ERROR)\n"
     "    --has-passfile            exit 0 when libpq knows the \"passfile\" parameter, else 1\n"
     "                              (no output; repmgr's switchover asks it)\n\n"
     "Connection:\n"
     "    -S, --superuser=USER      connect as USER (a superuser) instead of conninfo's user\n\n"
     "Output (one of):\n"
     "    --nagios                  Nagios plugin format (one check only)\n"
     "    --csv                     CSV (all checks only)\n"
     "    --optformat               repmgr's name=VALUE form, for its switchover:\n"
     "                              --archive-ready: --status=OK --files=N [--threshold=N]\n"
     "                              --replication-lag: --status=OK --lag=N [--threshold=N]\n"
     "                              --data-directory-config: --configured-data-directory=OK\n"
     "                              --repmgrd: --repmgrd=OK; --db-connection: --db-connection=OK\n"
     "                              (the other checks print nothing, as repmgr's; the exit code\n"
     "                              is the check's). A failed connection prints\n"
     "                              --error=DB_CONNECTION (exit 6).\n",
     &node_check}};

// repmgr's `node control` is its own testing command ("not documented; use at own risk"):
// refused by name rather than reported unknown.
int node_control(const CliOptions& options) {
    reg::load_config(options);
    log::error(
        "\"node control\" (--disable-wal-receiver / --enable-wal-receiver) is not "
        "supported by pgwarden");
    reg::hint(log::Level::error,
              "it is repmgr's undocumented testing command; pgwardend stops and restarts WAL "
              "receivers itself when standby_disconnect_on_failover is set");
    return model::kErrBadConfig;
}

const CommandRegistration reg_node_control{
    {{"node", "control"},
     "repmgr's undocumented testing command (refused)",
     "pgwarden node control: refused\n\n"
     "repmgr 5.3's \"node control --disable-wal-receiver|--enable-wal-receiver\" is its own\n"
     "testing command, undocumented; pgwarden refuses it by name (exit 1).\n",
     &node_control}};

}  // namespace
}  // namespace pgwarden::cli
