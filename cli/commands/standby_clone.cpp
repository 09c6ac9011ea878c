// pgwarden standby clone: pg_basebackup from -h/-p/-U into data_directory, then the standby's
// replication settings as repmgr 5.3 writes them on PostgreSQL 12+ (standby.signal, and
// primary_conninfo with application_name=node_name in postgresql.auto.conf), the slot when
// use_replication_slots, and the standby_clone event; with repmgr's tablespace_mapping,
// --copy-external-config-files and --verify-backup.
#include "clone_config_files.hpp"
#include "clone_privileges.hpp"
#include "clone_tablespaces.hpp"
#include "clone_verify.hpp"
#include "command_registry.hpp"
#include "data_directory_state.hpp"
#include "model/exit_codes.hpp"
#include "replication_conf_only.hpp"
#include "replication_files.hpp"
#include "source_conninfo.hpp"
#include "standby_actions.hpp"
#include "standby_decisions.hpp"

#include "cluster/attach_facts.hpp"
#include "cluster/events.hpp"
#include "cluster/replication_queries.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace pgwarden::cli {
namespace {

namespace fs = std::filesystem;
using log::Level;
using standby::ConninfoParams;
using standby::detail;
using standby::hint;

// pg_basebackup -X stream holds two walsender connections: the base backup and the WAL stream.
constexpr int kWalSendersNeeded = 2;
constexpr const char* kDefaultPort = "5432";

std::string joined(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty())
            out += ' ';
        out += arg.find(' ') == std::string::npos ? arg : fmt::format("\"{}\"", arg);
    }
    return out;
}

bool same_server(const ConninfoParams& a, const ConninfoParams& b) {
    return standby::get_param(a, "host") == standby::get_param(b, "host") &&
           standby::get_param(a, "port").value_or(kDefaultPort) ==
               standby::get_param(b, "port").value_or(kDefaultPort);
}

bool enough_walsenders(pg::Connection& source) {
    log::notice("checking for available walsenders on the source node ({} required)",
                kWalSendersNeeded);
    const int free_senders = cluster::replication_capacity(source).free_wal_senders;
    if (free_senders < kWalSendersNeeded) {
        log::error("insufficient free walsenders on the source node");
        detail(Level::error,
               fmt::format("{} free walsenders required, {} free walsenders available",
                           kWalSendersNeeded, free_senders));
        hint(Level::error, "increase \"max_wal_senders\" on the source node");
        return false;
    }
    return true;
}

// The data directory must be empty or absent, or -F given and no server running in it.
bool data_directory_usable(const std::string& data_dir, bool force) {
    const DirState state = dir_state(data_dir);
    if (state == DirState::data_directory && server_running(data_dir)) {
        log::error("the target data directory \"{}\" is used by a running PostgreSQL server",
                   data_dir);
        hint(Level::error, "stop the server before cloning into its data directory");
        return false;
    }
    if (force || state == DirState::missing || state == DirState::empty)
        return true;
    if (state == DirState::data_directory) {
        log::error("target data directory appears to be a PostgreSQL data directory");
        detail(Level::error, fmt::format("target data directory is \"{}\"", data_dir));
    } else {
        log::error("directory \"{}\" exists but is not empty", data_dir);
    }
    hint(Level::error, "use -F/--force to overwrite the existing data directory");
    return false;
}

void empty_directory(const std::string& data_dir) {
    std::error_code ec;
    if (!fs::exists(data_dir, ec))
        return;
    for (const auto& entry : fs::directory_iterator(data_dir)) {
        fs::remove_all(entry.path(), ec);
        if (ec)
            throw std::runtime_error(
                fmt::format("could not remove \"{}\": {}", entry.path().string(), ec.message()));
    }
}

// repmgr 5.3's clone options that pgwarden does not carry out, each refused by name (and why)
// rather than ignored.
bool refuse_unsupported(const CliOptions& options) {
    struct Unsupported {
        bool given;
        const char* option;
        const char* why;
    };
    const Unsupported unsupported[] = {
        {options.no_upstream_connection, "--no-upstream-connection",
         "it belongs to Barman mode, which pgwarden does not have"},
    };
    bool refused = false;
    for (const auto& option : unsupported) {
        if (!option.given)
            continue;
        log::error("option \"{}\" is not supported by pgwarden standby clone", option.option);
        hint(Level::error, option.why);
        refused = true;
    }
    return refused;
}

// repmgr clones from Barman when barman_host is set, unless --without-barman; pgwarden has only
// the pg_basebackup mode, so it says so rather than take a copy the operator did not ask for.
bool refuse_barman_mode(const config::RepmgrConfig& config, const CliOptions& options) {
    if (config.barman_host.empty() || options.without_barman)
        return false;
    log::error(
        "cloning from Barman (\"barman_host\" is set in repmgr.conf) is not supported by "
        "pgwarden standby clone");
    hint(Level::error,
         "use --without-barman to clone from the source node with pg_basebackup instead");
    return true;
}

int clone(const CliOptions& options) {
    if (refuse_unsupported(options))
        return model::kErrBadConfig;
    if (options.replication_conf_only)
        return create_replication_conf(options);
    const auto config = standby::load_config(options);
    const std::string& data_dir = config.data_directory;
    if (refuse_barman_mode(config, options))
        return model::kErrBadConfig;
    const ConninfoParams source = standby::source_params(options);
    // The source host as repmgr names it: -d's hostaddr, else -h's host, else -d's host (repmgr
    // takes either from -d's conninfo, hostaddr last); check_cli_parameters has refused a
    // command line that gives none.
    std::string source_host = standby::get_param(source, "hostaddr").value_or("");
    if (source_host.empty())
        source_host = standby::get_param(source, "host").value_or("");
    const std::string source_port = standby::get_param(source, "port").value_or(kDefaultPort);
    const std::string source_conninfo = standby::format_conninfo(source);
    log::notice("destination directory \"{}\" provided", data_dir);
    log::info("connecting to source node");
    detail(Level::info,
           fmt::format("connection string is: {}", text::mask_password(source_conninfo)));

    auto source_conn = standby::try_connect(source_conninfo, Level::error);
    if (!source_conn) {
        log::error("unable to connect to source node");
        return model::kErrDbConn;
    }
    // pg_verifybackup is looked for before anything is copied: repmgr finds it missing only
    // after the whole backup.
    std::optional<std::string> verifier;
    if (options.verify_backup) {
        if (!standby::verify_backup_supported(PQserverVersion(source_conn->get())))
            return model::kErrBadConfig;
        verifier = standby::verify_program(config);
        if (!verifier)
            return model::kErrBadConfig;
    }

    // The upstream: --upstream-node-id, else the registered primary.
    std::vector<cluster::NodeRecord> nodes;
    if (cluster::has_metadata(*source_conn))
        nodes = cluster::load_nodes(*source_conn);
    else
        log::warning("no repmgr metadata found on the source node");
    std::optional<int> upstream_id = options.upstream_node_id;
    if (!upstream_id) {
        if (auto primary = standby::primary_record(nodes))
            upstream_id = primary->node_id;
    }
    std::optional<cluster::NodeRecord> upstream;
    for (const auto& node : nodes) {
        if (upstream_id && node.node_id == *upstream_id)
            upstream = node;
    }
    if (!upstream && !options.force) {
        if (!upstream_id) {
            log::error("unable to determine upstream node");
        } else {
            log::error("no record found for upstream node (upstream_node_id: {})", *upstream_id);
            hint(Level::error,
                 "use -F/--force to create \"primary_conninfo\" based on command-line parameters");
        }
        return model::kErrBadConfig;
    }
    if (upstream_id)
        log::notice("standby will attach to upstream node {}", *upstream_id);

    // This node's own replication user: replication_user, else its conninfo's user.
    const std::optional<std::string> own_user =
        config.replication_user.empty()
            ? standby::get_param(standby::parse_conninfo(config.conninfo), "user")
            : std::optional<std::string>(config.replication_user);
    std::string repl_user = own_user.value_or(upstream ? upstream->repluser : "");
    // repmgr's --replication-user stands in for the upstream record's repluser when there is no
    // record (-F); with one, it only makes the replication connections the checks open.
    if (options.replication_user && !upstream)
        repl_user = *options.replication_user;
    standby::ReplicationSettings settings;
    // --upstream-conninfo: the upstream to be, which need not exist yet.
    settings.primary_conninfo = standby::build_primary_conninfo(
        options.upstream_conninfo ? *options.upstream_conninfo
                                  : (upstream ? upstream->conninfo : source_conninfo),
        {config.node_name, repl_user, config.use_primary_conninfo_password, config.passfile});
    settings.restore_command = config.restore_command;
    settings.archive_cleanup_command = config.archive_cleanup_command;
    settings.recovery_min_apply_delay =
        options.recovery_min_apply_delay.value_or(config.recovery_min_apply_delay);

    if (!enough_walsenders(*source_conn))
        return model::kErrBadConfig;
    log::notice("checking replication connections can be made to the source server ({} required)",
                kWalSendersNeeded);
    // The check opens the replication connection pg_basebackup will, as the same user (as
    // repmgr): --replication-user, else the upstream record's repluser (so -U need not have
    // REPLICATION), else this node's own replication user, else -U.
    std::optional<std::string> replication_as = options.replication_user;
    if (!replication_as && upstream && !upstream->repluser.empty())
        replication_as = upstream->repluser;
    if (!replication_as && own_user && !own_user->empty())
        replication_as = own_user;
    auto replication_check = source;
    if (replication_as)
        standby::set_param(replication_check, "user", *replication_as);
    if (!cluster::identify_system(standby::format_conninfo(replication_check))) {
        log::error("unable to establish a replication connection to the source node");
        hint(Level::error,
             "check pg_hba.conf on the source node allows replication connections "
             "from this host");
        return model::kErrBadConfig;
    }
    if (!data_directory_usable(data_dir, options.force))
        return model::kErrBadConfig;
    // repmgr checks the mappings only after --dry-run has stopped; checked here, a dry run
    // that passes does not hide a mapping pg_basebackup would ignore.
    if (!standby::tablespace_mappings_valid(*source_conn, config.tablespace_mapping))
        return model::kErrBadConfig;

    standby::ConfigCopyPlan config_copy;
    if (options.copy_external_config_files) {
        config_copy.host = source_host;
        config_copy.upstream_host =
            standby::get_param(standby::parse_conninfo(settings.primary_conninfo), "host")
                .value_or(source_host);
        config_copy.remote_user = options.remote_user.value_or("");
        config_copy.into_data_directory = options.copy_external_config_files_to == "pgdata";
        config_copy.data_directory = data_dir;
        config_copy.force = options.force;
        if (auto stop =
                standby::prepare_config_copy(*source_conn, source, options, config, config_copy))
            return *stop;
    }

    // The slot lives on the upstream; pg_basebackup streams through it only when the source is
    // the upstream itself.
    std::optional<std::string> backup_slot;
    if (config.use_replication_slots) {
        settings.primary_slot_name = standby::slot_name_for(config.node_id);
        if (!upstream || same_server(source, standby::parse_conninfo(upstream->conninfo)))
            backup_slot = settings.primary_slot_name;
    } else {
        log::info(
            "replication slot usage not requested;  no replication slot will be set up for "
            "this standby");
    }

    standby::BasebackupPlan plan;
    plan.pg_basebackup = standby::pg_program(config, "pg_basebackup");
    plan.data_directory = data_dir;
    plan.source = replication_check;
    plan.fast_checkpoint = options.fast_checkpoint;
    plan.slot_name = backup_slot;
    plan.tablespace_mapping = config.tablespace_mapping;
    plan.extra_options = config.pg_basebackup_options;
    const auto argv = standby::basebackup_argv(plan);

    const std::string slot_where = upstream ? fmt::format("upstream node {}", upstream->node_id)
                                            : std::string("the source node");
    const std::string upstream_repluser = upstream ? upstream->repluser : std::string();
    if (options.dry_run) {
        if (settings.primary_slot_name &&
            !standby::create_clone_slot(*source_conn, *settings.primary_slot_name, slot_where,
                                        options, upstream_repluser, true)) {
            log::error("prerequisites not met for creating a replication slot on {}", slot_where);
            return model::kErrBadConfig;
        }
        log::info("would execute:\n  {}", joined(argv));
        log::info("all prerequisites for \"standby clone\" are met");
        return model::kSuccess;
    }

    if (settings.primary_slot_name) {
        std::optional<pg::Connection> upstream_conn;
        pg::Connection* slot_conn = &*source_conn;
        if (!backup_slot && upstream) {
            upstream_conn = standby::try_connect(upstream->conninfo, Level::error);
            if (!upstream_conn) {
                log::error("unable to connect to upstream node {} to create the replication slot",
                           upstream->node_id);
                return model::kErrDbConn;
            }
            slot_conn = &*upstream_conn;
        }
        if (!standby::create_clone_slot(*slot_conn, *settings.primary_slot_name, slot_where,
                                        options, upstream_repluser, false))
            return model::kErrBadConfig;
    }

    if (options.force)
        empty_directory(data_dir);
    log::notice("starting backup (using pg_basebackup)...");
    if (!options.fast_checkpoint)
        hint(Level::notice,
             "this may take some time; consider using the -c/--fast-checkpoint "
             "option");
    log::info("executing:\n  {}", joined(argv));
    const int rc = standby::run_program(argv);
    if (rc != 0) {
        log::error("unable to take a base backup of the source node");
        detail(Level::error, fmt::format("pg_basebackup exited with {}", rc));
        hint(Level::error,
             fmt::format("data directory (\"{}\") may need to be cleaned up manually", data_dir));
        return model::kErrBadBasebackup;
    }
    // Verified before anything in the copy changes, as repmgr: the manifest lists what
    // pg_basebackup wrote, not the configuration copied in or the replication settings.
    if (verifier) {
        if (const int verified = standby::verify_clone(*verifier, data_dir); verified != 0)
            return verified;
    }
    if (options.copy_external_config_files) {
        if (const int copied = standby::install_config_files(config_copy, config); copied != 0)
            return copied;
    }
    standby::write_replication_config(config, settings);

    // The event goes to the primary, the only node that can write it.
    std::optional<pg::Connection> primary_conn;
    if (cluster::query_role(*source_conn) == cluster::Role::primary)
        primary_conn = std::move(source_conn);
    else if (auto primary = standby::find_reachable_primary(nodes, std::nullopt))
        primary_conn = std::move(primary->conn);
    const auto details =
        fmt::format("cloned from host \"{}\", port {}; backup method: pg_basebackup; --force: {}",
                    source_host, source_port, options.force ? "Y" : "N");
    cluster::record_event(primary_conn ? &*primary_conn : nullptr, config,
                          {config.node_id, "standby_clone", true, details, {}, {}, {}});

    log::notice("standby clone (using pg_basebackup) complete");
    log::notice("you can now start your PostgreSQL server");
    hint(Level::notice, fmt::format("for example: pg_ctl -D {} start", data_dir));
    hint(Level::notice,
         "after starting the server, you need to register this standby with \"repmgr standby "
         "register\"");
    return model::kSuccess;
}

const CommandRegistration reg_standby_clone{
    {{"standby", "clone"},
     "clone a PostgreSQL data directory from another node",
     "pgwarden standby clone: copy a node with pg_basebackup, as \"repmgr standby clone\".\n"
     "\n"
     "Usage: pgwarden [-f repmgr.conf] standby clone [-h HOST] [-p PORT] [-U USER] [-d DBNAME]\n"
     "       [--upstream-node-id N] [-c|--fast-checkpoint] [--dry-run] [-F|--force]\n"
     "\n"
     "Runs pg_basebackup (pg_bindir, else pg_config --bindir, else the newest /usr/pgsql-NN/bin\n"
     "or /usr/lib/postgresql/NN/bin) into data_directory, then writes standby.signal and\n"
     "primary_conninfo (application_name = node_name) in postgresql.auto.conf, pointing at the\n"
     "upstream node's registered conninfo. With use_replication_slots, creates\n"
     "repmgr_slot_<node_id> on the upstream first.\n"
     "\n"
     "  -h, -p, -U, -d          the node to clone from (-d may be a conninfo string, its host\n"
     "                          standing in for -h)\n"
     "  --upstream-node-id N    the node to stream from (default: the registered primary)\n"
     "  -c, --fast-checkpoint   ask the source for an immediate checkpoint\n"
     "  --dry-run               check the prerequisites only; nothing is copied or created\n"
     "  -F, --force             overwrite a non-empty data directory (never a running one)\n"
     "  --upstream-conninfo=CONNINFO   primary_conninfo from this (an upstream that need\n"
     "                          not exist yet) instead of the upstream's registered conninfo\n"
     "  --replication-user=USER the user of the replication checks, and of primary_conninfo\n"
     "                          when the upstream has no record (-F)\n"
     "  --recovery-min-apply-delay=DELAY   over repmgr.conf's recovery_min_apply_delay\n"
     "  --replication-conf-only only write the replication settings (and standby.signal) into\n"
     "                          data_directory, copied before, for this registered node\n"
     "  --copy-external-config-files[=samepath|pgdata]   copy the configuration files the\n"
     "                          source reads from outside its data directory over SSH\n"
     "                          (ssh_options, -R) to the same path (default) or into\n"
     "                          data_directory\n"
     "  -R, --remote-user=USER  the SSH user on the source host (default: ssh's)\n"
     "  -S, --superuser=USER    reads the file locations, and creates the slot, when the -U\n"
     "                          user may not (superuser, pg_read_all_settings, REPLICATION)\n"
     "  --verify-backup         run pg_verifybackup on the copy (PostgreSQL 13+)\n"
     "  --without-barman        clone with pg_basebackup even when barman_host is set\n"
     "\n"
     "Each tablespace_mapping of repmgr.conf becomes a pg_basebackup -T OLD=NEW; OLD must be\n"
     "a tablespace location of the source. Refused, each by name: cloning from Barman\n"
     "(barman_host set, without --without-barman) and --no-upstream-connection.\n"
     "\n"
     "Exit codes: 0 success, 1 bad configuration or refused, 2 a configuration file could not\n"
     "be copied, 6 no connection to the source, 14 pg_basebackup or pg_verifybackup failed.\n",
     &clone}};

}  // namespace
}  // namespace pgwarden::cli
