// repmgr 5.3's check_cli_parameters(): which command reads which option, as one table of rules,
// and the warnings ("option X ignored when executing Y") and errors it gives for the rest.
#pragma once

#include "cli_options.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::cli {

// repmgr's actions, as its action_name() names them.
enum class Action {
    primary_register,
    primary_unregister,
    standby_clone,
    standby_register,
    standby_unregister,
    standby_promote,
    standby_follow,
    standby_switchover,
    witness_register,
    witness_unregister,
    node_status,
    node_check,
    node_rejoin,
    node_service,
    node_control,
    cluster_show,
    cluster_event,
    cluster_crosscheck,
    cluster_matrix,
    cluster_cleanup,
    service_status,
    service_pause,
    service_unpause,
    daemon_start,
    daemon_stop,
};

// The action a command's words are to repmgr: `master` is PRIMARY, and repmgr 4's
// `daemon status|pause|unpause` are SERVICE's. Nothing for words repmgr has no action for.
std::optional<Action> repmgr_action(const std::vector<std::string>& words);

// "STANDBY SWITCHOVER", as repmgr's messages name an action.
std::string_view action_name(Action action);

// What the rules read: each option as repmgr's runtime_options records it.
struct GivenOptions {
    bool connection_param = false;  // -h, -p, -U or -d
    bool host_param = false;        // -h, or a host/hostaddr in -d's conninfo
    bool pgdata = false;
    bool node_id = false;
    bool node_name = false;
    bool upstream_node_id = false;
    bool replication_user = false;
    bool superuser = false;
    bool replication_conf_only = false;
    bool event = false;
    bool limit = false;
    bool all = false;
    bool wait = false;     // -w/--wait
    bool no_wait = false;  // -W or --no-wait: repmgr's getopt gives -W to --no-wait
    bool action = false;   // --action
    bool is_shutdown_cleanly = false;
    bool always_promote = false;
    bool force_rewind = false;
    bool repmgrd_no_pause = false;
    bool repmgrd_force_unpause = false;
    bool config_files = false;
    bool dry_run = false;
    int output_formats = 0;  // how many of --csv, --nagios and --optformat
    bool compact = false;
    bool detail = false;
    bool siblings_follow = false;
    bool disable_wal_receiver = false;
    bool enable_wal_receiver = false;
    // standby clone's: its mode, and the options only one mode reads
    bool barman_mode = false;  // barman_host in repmgr.conf, without --without-barman
    bool copy_external_config_files = false;
    bool fast_checkpoint = false;
    bool upstream_conninfo = false;
    bool no_upstream_connection = false;
    bool config_directory = false;  // repmgr.conf sets config_directory
};

// `options` as the rules read them; `barman_host_set`: repmgr.conf names a barman_host.
GivenOptions given_options(const CliOptions& options, bool barman_host_set);

struct CommandLineProblems {
    std::vector<std::string> errors;    // repmgr refuses the command line (exit 1)
    std::vector<std::string> warnings;  // repmgr goes ahead, unless -t, after saying so
    // Where repmgr warns that --node-id / --node-name is not required it also forgets it, so the
    // command runs as if it had not been given (e.g. standby register for the local node).
    bool discard_node_id = false;
    bool discard_node_name = false;
};

// repmgr's check_cli_parameters() for `action`, in its order.
CommandLineProblems check_cli_parameters(Action action, const GivenOptions& given);

// Drops from `options` the --node-id / --node-name repmgr forgets for their command, keeping in
// node_id_discarded / node_name_discarded that they were given, for the warnings.
void discard_ignored_options(CliOptions& options);

}  // namespace pgwarden::cli
