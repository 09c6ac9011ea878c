// `pgwarden node service`: start, stop, restart, reload or promote the local server with the
// command repmgr 5.3 would run (service_*_command, else pg_ctl), as repmgr's own switchover runs
// it on the demotion candidate through ssh. The commands themselves are in
// lib/config/server_action.cpp.
#include "../command_registry.hpp"
#include "../register_support.hpp"
#include "config/server_action.hpp"
#include "model/exit_codes.hpp"

#include "cluster/node_rejoin_queries.hpp"
#include "exec/shell.hpp"
#include "log/log.hpp"
#include "pg/connection.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace pgwarden::cli {
namespace {

using log::Level;
using namespace config;  // server_action.hpp: the commands

// repmgr waits for its server command without a limit; pg_ctl -w gives up after 60 s by
// default, a service manager has its own limits, and this bounds whatever hangs beyond them.
constexpr std::chrono::minutes kServiceCommandTimeout{10};

// --checkpoint before a stop or restart: repmgr's, only with a superuser connection (-S), and
// only a warning without one.
int checkpoint_first(const config::RepmgrConfig& config, const CliOptions& options) {
    const auto conninfo = reg::local_conninfo(config, options.superuser);
    if (!conninfo)
        return model::kErrBadConfig;
    auto conn = pg::Connection::open(*conninfo);
    const char* superuser = PQparameterStatus(conn.get(), "is_superuser");
    if (superuser == nullptr || std::strcmp(superuser, "on") != 0) {
        log::warning("{}", options.dry_run ? "a CHECKPOINT would be issued here but no superuser "
                                             "connection is available"
                                           : "a superuser connection is required to issue a "
                                             "CHECKPOINT");
        reg::hint(Level::warning, "provide a superuser with -S/--superuser");
    } else if (options.dry_run) {
        log::info("a CHECKPOINT would be issued here");
    } else {
        // repmgr's message ends with a space.
        log::notice("issuing CHECKPOINT on node \"{}\" (ID: {}) ", config.node_name,
                    config.node_id);
        cluster::checkpoint(conn);
    }
    return model::kSuccess;
}

int node_service(const CliOptions& options) {
    const auto config = reg::load_config(options);
    const std::string name = options.action.value_or("");
    const auto action = parse_server_action(name);
    if (!action) {
        log::error("unknown value \"{}\" provided for parameter --action", name);
        reg::hint(Level::error,
                  "valid values are \"start\", \"stop\", \"restart\", \"reload\" and \"promote\"");
        return model::kErrBadConfig;
    }
    if (options.list_actions) {
        std::fputs(list_server_actions(*action, config).c_str(), stdout);
        return model::kSuccess;
    }
    std::string data_dir;
    if (data_dir_required(*action, config)) {
        data_dir = pg_ctl_directory(config);
        if (data_dir.empty()) {
            log::error("unable to determine data directory for action");
            return model::kErrBadConfig;
        }
    }
    if ((*action == ServerAction::stop || *action == ServerAction::restart) && options.checkpoint) {
        if (const int code = checkpoint_first(config, options); code != model::kSuccess)
            return code;
    }
    const std::string command = server_action_command(*action, config, data_dir);
    if (options.dry_run) {
        log::info("would execute server command \"{}\"", command);
        return model::kSuccess;
    }
    // DETAIL, as repmgr: the caller (a switchover) has already said what it is doing.
    reg::detail(Level::info, fmt::format("executing server command \"{}\"", command));
    // repmgr keeps the command's output to itself (its debug log only).
    const auto outcome = exec::run_shell(command, kServiceCommandTimeout, Level::debug);
    if (!outcome.ok()) {
        log::debug("server command exited with {}{}", outcome.exit_code,
                   outcome.timed_out ? " (timed out)" : "");
        return model::kErrLocalCommand;
    }
    return model::kSuccess;
}

const CommandRegistration reg_node_service{
    {{"node", "service"},
     "start, stop, restart, reload or promote the local server",
     "pgwarden node service: control the local server as repmgr 5.3's node service does\n\n"
     "Usage:\n"
     "    pgwarden [OPTIONS] node service --action=ACTION [--checkpoint] [--dry-run]\n"
     "    pgwarden [OPTIONS] node service [--action=ACTION] --list-actions\n\n"
     "Runs service_start_command, service_stop_command, service_restart_command,\n"
     "service_reload_command or service_promote_command from repmgr.conf; when the one for\n"
     "ACTION is not set, pg_ctl from pg_bindir with pg_ctl_options and -D data_directory\n"
     "(config_directory when set).\n\n"
     "Options:\n"
     "    --action=ACTION           start, stop, restart, reload or promote\n"
     "    --list-actions            print the command for ACTION, or for every action\n"
     "    --checkpoint              CHECKPOINT before stop or restart (needs a superuser,\n"
     "                              see -S/--superuser)\n"
     "    --dry-run                 print the command instead of running it\n\n"
     "Exit code 5 when the command fails.\n",
     &node_service}};

}  // namespace
}  // namespace pgwarden::cli
