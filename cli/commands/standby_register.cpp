// `pgwarden standby register|unregister`: the standby's row is written on the primary, with
// repmgr 5.3's checks (running standby, attached upstream, unique node_id and node_name),
// messages, events (standby_register, standby_register_sync, standby_unregister) and exit codes.
#include "../command_registry.hpp"
#include "../register_support.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/events.hpp"
#include "cluster/node_write.hpp"
#include "cluster/replication_queries.hpp"
#include "cluster/transaction.hpp"
#include "log/log.hpp"
#include "text/conninfo.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace pgwarden::cli {
namespace {

using cluster::Role;
constexpr auto kPollStep = std::chrono::seconds(1);

// The primary's connection parameters given on the command line (-h -p -U -d), for registering
// a standby that is not running; empty when none were given.
std::string conninfo_from_options(const CliOptions& options) {
    std::string conninfo;
    auto add = [&](const char* key, const std::optional<std::string>& value) {
        if (value)
            conninfo += fmt::format("{}{}='{}'", conninfo.empty() ? "" : " ", key, *value);
    };
    add("host", options.host);
    add("port", options.port);
    add("user", options.user);
    add("dbname", options.dbname);
    return conninfo;
}

// repmgr's is_downstream_node_attached: `node_name` streaming in the upstream's
// pg_stat_replication.
bool is_attached(pg::Connection& upstream, const std::string& node_name) {
    const auto states = cluster::replication_states(upstream, node_name);
    if (states.empty()) {
        log::warning("node \"{}\" not found in \"pg_stat_replication\"", node_name);
        return false;
    }
    if (states.front() != "streaming") {
        log::warning("node \"{}\" attached in state \"{}\"", node_name, states.front());
        return false;
    }
    return true;
}

bool records_match(const cluster::NodeRecord& a, const cluster::NodeRecord& b) {
    return a.upstream_node_id == b.upstream_node_id && a.type == b.type &&
           a.priority == b.priority && a.location == b.location && a.active == b.active &&
           a.node_name == b.node_name && a.conninfo == b.conninfo && a.slot_name == b.slot_name;
}

std::optional<pg::Connection> connect_local_waiting(const config::RepmgrConfig& config,
                                                    const CliOptions& options) {
    auto conn = cluster::try_connect(config.conninfo);
    if (conn || options.force)
        return conn;
    const int wait_start = options.wait_start.value_or(0);
    for (int timer = 0; timer < wait_start; ++timer) {
        std::this_thread::sleep_for(kPollStep);
        log::debug("{} of {} connection attempts", timer + 1, wait_start);
        conn = cluster::try_connect(config.conninfo);
        if (conn) {
            log::info("connected to local node \"{}\" (ID: {}) after {} seconds", config.node_name,
                      config.node_id, timer + 1);
            return conn;
        }
    }
    return conn;
}

// Checks --upstream-node-id. Returns an exit code when registration must stop; sets
// `needs_placeholder` when -F asks for repmgr's inactive placeholder record of a missing upstream
// (written later, in the same transaction as this node's record).
std::optional<int> check_upstream(pg::Connection& primary, const config::RepmgrConfig& config,
                                  const CliOptions& options, int upstream_id,
                                  bool& needs_placeholder) {
    if (upstream_id == config.node_id) {
        log::error(
            "provided node ID for --upstream-node-id ({}) is the same as the configured "
            "local node ID ({})",
            upstream_id, config.node_id);
        return model::kErrBadConfig;
    }
    const auto upstream = cluster::load_node(primary, upstream_id);
    if (!upstream) {
        if (!options.force) {
            log::error("no record found for upstream node {}", upstream_id);
            reg::hint(log::Level::error, "use option -F/--force to create a dummy upstream record");
            return model::kErrBadConfig;
        }
        log::notice("{} placeholder record for upstream node {}",
                    options.dry_run ? "would create a" : "creating", upstream_id);
        needs_placeholder = true;
        return std::nullopt;
    }
    if (!upstream->active) {
        if (!options.force) {
            log::error("record for upstream node {} is marked as inactive", upstream_id);
            reg::hint(log::Level::error,
                      "use option -F/--force to register a standby with an inactive upstream node");
            return model::kErrBadConfig;
        }
        log::notice("registering node {} with inactive upstream node {}", config.node_id,
                    upstream_id);
        return std::nullopt;
    }
    auto upstream_conn = cluster::try_connect(upstream->conninfo);
    if (!upstream_conn) {
        if (!options.force) {
            log::error("unable to connect to upstream node {}", describe(*upstream));
            reg::hint(log::Level::error, "use -F/--force to continue anyway");
            return model::kErrBadConfig;
        }
        log::warning("unable to connect to upstream node {} but continuing anyway",
                     describe(*upstream));
        return std::nullopt;
    }
    if (is_attached(*upstream_conn, config.node_name)) {
        log::debug("local node is attached to specified upstream node {}", upstream_id);
        return std::nullopt;
    }
    if (!options.force) {
        log::error("this node does not appear to be attached to upstream node {}",
                   describe(*upstream));
        reg::detail(log::Level::error, fmt::format("no record for application name \"{}\" found in "
                                                   "\"pg_stat_replication\"",
                                                   config.node_name));
        reg::hint(log::Level::error, "use -F/--force to continue anyway");
        return model::kErrBadConfig;
    }
    log::warning("this node does not appear to be attached to upstream node {}",
                 describe(*upstream));
    return std::nullopt;
}

// --wait-sync without a value: repmgr waits without a limit; a wait here always has one, long
// enough for any standby that streams at all.
constexpr int kWaitSyncDefaultSecs = 300;

// --wait-sync: until the standby has replayed its own record as the primary has it. -1 (no
// value) waits up to kWaitSyncDefaultSecs.
int wait_for_sync(pg::Connection& local, pg::Connection& primary,
                  const config::RepmgrConfig& config, int seconds,
                  const cluster::Event& event_base) {
    if (seconds < 0)
        seconds = kWaitSyncDefaultSecs;
    const auto on_primary = cluster::load_node(primary, config.node_id);
    if (!on_primary) {
        log::error("unable to retrieve node record from primary");
        return model::kErrRegistrationSync;
    }
    int timer = 0;
    bool synced = false;
    for (;;) {
        if (seconds > 0 && timer == seconds)
            break;
        try {
            if (const auto on_standby = cluster::load_node(local, config.node_id);
                on_standby && records_match(*on_standby, *on_primary)) {
                synced = true;
                break;
            }
        } catch (const pg::PgError& e) {
            log::debug("{}", e.what());  // the metadata may not have reached the standby yet
        }
        std::this_thread::sleep_for(kPollStep);
        ++timer;
    }
    cluster::Event event = event_base;
    event.event = "standby_register_sync";
    event.successful = synced;
    event.details = synced
                        ? fmt::format("node record synchronised after {} seconds", timer)
                        : fmt::format("node record was not synchronised after {} seconds", seconds);
    cluster::record_event(&primary, config, event);
    if (!synced) {
        log::error("{}", event.details);
        return model::kErrRegistrationSync;
    }
    log::info("node record on standby synchronised from primary");
    reg::detail(log::Level::info, event.details);
    return model::kSuccess;
}

int standby_register(const CliOptions& options) {
    const auto config = reg::load_config(options);
    if (!reg::node_name_acceptable(config))
        return model::kErrBadConfig;
    log::info("connecting to local node \"{}\" (ID: {})", config.node_name, config.node_id);
    auto local = connect_local_waiting(config, options);
    const std::string primary_params = conninfo_from_options(options);

    if (!local) {
        log::error("unable to connect to local node \"{}\" (ID: {})", config.node_name,
                   config.node_id);
        if (!options.force) {
            try {
                cluster::connect_local(config);
            } catch (const pg::PgError& e) {
                reg::detail(log::Level::error, e.what());
            }
            reg::hint(log::Level::error,
                      "to register a standby which is not running, provide "
                      "primary connection parameters and use option "
                      "-F/--force");
            return model::kErrBadConfig;
        }
        if (primary_params.empty()) {
            reg::hint(log::Level::error,
                      "to register a standby which is not running, "
                      "additionally provide the primary connection parameters");
            return model::kErrBadConfig;
        }
    } else {
        if (!primary_params.empty()) {
            log::warning(
                "database connection parameters not required when the standby to be "
                "registered is running");
            reg::detail(log::Level::warning,
                        "repmgr uses the \"conninfo\" parameter in "
                        "\"repmgr.conf\" to connect to the standby");
        }
        if (cluster::query_role(*local) != Role::standby) {
            log::error("this node should be a standby ({})", text::mask_password(config.conninfo));
            return model::kErrBadConfig;
        }
    }

    log::info("connecting to primary database");
    std::optional<cluster::PrimaryConnection> primary;
    if (local) {
        primary = cluster::connect_primary(*local);
    } else if (auto conn = cluster::try_connect(primary_params)) {
        if (cluster::query_role(*conn) == Role::primary) {
            if (auto record = cluster::connect_primary(*conn))
                primary = std::move(record);
        }
    }
    if (!primary) {
        log::error("unable to connect to the primary database");
        reg::hint(log::Level::error,
                  "a primary node must be configured before registering a standby node");
        return model::kErrBadConfig;
    }
    auto& primary_conn = primary->conn;
    const cluster::Event event_base{
        config.node_id,           "standby_register",       true, "", primary->record.node_id,
        primary->record.conninfo, primary->record.node_name};

    if (const auto same_name = cluster::load_node_by_name(primary_conn, config.node_name);
        same_name && same_name->active && same_name->node_id != config.node_id) {
        log::error("node {} exists already with node_name \"{}\"", same_name->node_id,
                   config.node_name);
        return model::kErrBadConfig;
    }
    const auto existing = cluster::load_node(primary_conn, config.node_id);
    if (existing && !options.force) {
        log::error("node {} is already registered", config.node_id);
        reg::hint(log::Level::error, "use option -F/--force to overwrite an existing node record");
        return model::kErrBadConfig;
    }

    bool dry_run_ok = true;
    bool needs_placeholder = false;
    if (options.upstream_node_id) {
        if (auto code = check_upstream(primary_conn, config, options, *options.upstream_node_id,
                                       needs_placeholder))
            return *code;
    } else if (local && !existing) {
        log::warning(
            "--upstream-node-id not supplied, assuming upstream node is primary "
            "(node ID: {})",
            primary->record.node_id);
        if (is_attached(primary_conn, config.node_name)) {
            log::debug("local node is attached to primary");
        } else if (!options.force) {
            log::error("local node not attached to primary node {}", primary->record.node_id);
            reg::hint(log::Level::error,
                      "specify the actual upstream node id with "
                      "--upstream-node-id, or use -F/--force to continue "
                      "anyway");
            if (!options.dry_run)
                return model::kErrBadConfig;
            dry_run_ok = false;
        } else {
            log::warning("local node not attached to primary node {}", primary->record.node_id);
            log::notice("-F/--force supplied, continuing anyway");
        }
    }

    if (options.dry_run) {
        if (!dry_run_ok) {
            log::warning("issue(s) encountered; see preceding log messages");
            return model::kErrBadConfig;
        }
        log::info("all prerequisites for \"standby register\" are met");
        return model::kSuccess;
    }

    const int upstream_id = options.upstream_node_id.value_or(primary->record.node_id);
    const auto node = reg::node_record_from_config(config, model::NodeType::standby, upstream_id,
                                                   PQuser(primary_conn.get()));
    cluster::Event event = event_base;
    const std::string forced = options.force ? " (-F/--force option was used)" : "";
    try {
        cluster::begin_transaction(primary_conn);
        if (needs_placeholder) {
            cluster::NodeRecord placeholder;
            placeholder.node_id = upstream_id;
            placeholder.type = model::NodeType::standby;
            placeholder.active = false;
            // repmgr's create_node_record gives a standby without an upstream the primary's ID.
            placeholder.upstream_node_id = primary->record.node_id;
            cluster::write_node(primary_conn, placeholder, false);
        }
        cluster::write_node(primary_conn, node, existing.has_value());
        cluster::commit_transaction(primary_conn);
    } catch (const pg::PgError& e) {
        cluster::rollback_transaction(primary_conn);
        log::error("{}", e.what());
        event.successful = false;
        event.details = fmt::format(
            "standby registration failed; provided upstream node ID was "
            "{}{}",
            upstream_id, forced);
        cluster::record_event(&primary_conn, config, event);
        return model::kErrBadConfig;
    }
    event.details = fmt::format("standby registration succeeded; upstream node ID is {}{}",
                                upstream_id, forced);
    cluster::record_event(&primary_conn, config, event);

    if (local && options.wait_sync && *options.wait_sync != 0) {
        if (const int code =
                wait_for_sync(*local, primary_conn, config, *options.wait_sync, event_base);
            code != model::kSuccess)
            return code;
    }
    log::info("standby registration complete");
    log::notice("standby node \"{}\" (ID: {}) successfully registered", config.node_name,
                config.node_id);
    return model::kSuccess;
}

int standby_unregister(const CliOptions& options) {
    const auto config = reg::load_config(options);
    log::info("connecting to local standby");
    auto local = cluster::connect_local(config);
    log::info("connecting to primary database");
    auto primary = cluster::connect_primary(local);
    if (!primary) {
        log::error("unable to connect to primary server");
        return model::kErrBadConfig;
    }
    const int target_id = options.node_id.value_or(config.node_id);
    const auto target = cluster::load_node(primary->conn, target_id);
    if (!target) {
        log::error("no record found for node {}", target_id);
        return model::kErrBadConfig;
    }
    if (target->type != model::NodeType::standby) {
        log::error("node {} is not a standby server", target_id);
        return model::kErrBadConfig;
    }
    log::notice("unregistering node {}", target_id);
    try {
        cluster::delete_node(primary->conn, target_id);
    } catch (const pg::PgError& e) {
        log::error("unable to delete node record for node {}", target_id);
        reg::detail(log::Level::error, e.what());
        return model::kErrBadConfig;
    }
    cluster::record_event(&primary->conn, config,
                          {target_id, "standby_unregister", true, "", {}, {}, {}});
    log::info("standby unregistration complete");
    return model::kSuccess;
}

const CommandRegistration reg_standby_register{
    {{"standby", "register"},
     "register this standby in the metadata (written on the primary)",
     "pgwarden standby register: add this standby's record to the metadata on the primary\n\n"
     "Usage: pgwarden [-f repmgr.conf] standby register [OPTIONS]\n\n"
     "Options:\n"
     "  --upstream-node-id=N  the node this standby replicates from (default: the primary)\n"
     "  --wait-start=SECS     wait this long for the standby to accept connections\n"
     "  --wait-sync[=SECS]    wait for the record to reach the standby (no value: up to 300 s;\n"
     "                        repmgr waits without a limit)\n"
     "  -F, --force           overwrite an existing record; register a standby that is not\n"
     "                        running (with -h/-p/-U/-d for the primary)\n"
     "  --dry-run             check the prerequisites, change nothing\n",
     &standby_register}};

const CommandRegistration reg_standby_unregister{
    {{"standby", "unregister"},
     "remove a standby's record from the metadata",
     "pgwarden standby unregister: remove a standby's record from the metadata on the primary\n\n"
     "Usage: pgwarden [-f repmgr.conf] standby unregister [--node-id N]\n\n"
     "Options:\n"
     "  --node-id=N           the standby to unregister (default: this node)\n",
     &standby_unregister}};

}  // namespace
}  // namespace pgwarden::cli
