#include "option_applicability.hpp"

#include "config/libpq_conninfo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

namespace pgwarden::cli {

namespace {

using A = Action;
using G = GivenOptions;

struct Word {
    std::vector<std::string> words;
    Action action;
};

const std::vector<Word>& action_words() {
    static const std::vector<Word> words = {
        {{"primary", "register"}, A::primary_register},
        {{"master", "register"}, A::primary_register},
        {{"primary", "unregister"}, A::primary_unregister},
        {{"master", "unregister"}, A::primary_unregister},
        {{"standby", "clone"}, A::standby_clone},
        {{"standby", "register"}, A::standby_register},
        {{"standby", "unregister"}, A::standby_unregister},
        {{"standby", "promote"}, A::standby_promote},
        {{"standby", "follow"}, A::standby_follow},
        {{"standby", "switchover"}, A::standby_switchover},
        {{"witness", "register"}, A::witness_register},
        {{"witness", "unregister"}, A::witness_unregister},
        {{"node", "status"}, A::node_status},
        {{"node", "check"}, A::node_check},
        {{"node", "rejoin"}, A::node_rejoin},
        {{"node", "service"}, A::node_service},
        {{"node", "control"}, A::node_control},
        {{"cluster", "show"}, A::cluster_show},
        {{"cluster", "event"}, A::cluster_event},
        {{"cluster", "crosscheck"}, A::cluster_crosscheck},
        {{"cluster", "matrix"}, A::cluster_matrix},
        {{"cluster", "cleanup"}, A::cluster_cleanup},
        {{"service", "status"}, A::service_status},
        {{"service", "pause"}, A::service_pause},
        {{"service", "unpause"}, A::service_unpause},
        {{"daemon", "status"}, A::service_status},
        {{"daemon", "pause"}, A::service_pause},
        {{"daemon", "unpause"}, A::service_unpause},
        {{"daemon", "start"}, A::daemon_start},
        {{"daemon", "stop"}, A::daemon_stop},
    };
    return words;
}

// The actions a rule speaks about: only these, or every action but these.
struct Where {
    bool only = false;
    std::vector<Action> actions;

    bool covers(Action action) const {
        return only == (std::find(actions.begin(), actions.end(), action) != actions.end());
    }
};

Where only(std::initializer_list<Action> actions) {
    return {true, actions};
}
Where except(std::initializer_list<Action> actions) {
    return {false, actions};
}
const Where kEvery = except({});

enum class Severity { warning, error };

// What repmgr clears in its runtime options along with the warning.
enum class Discard { nothing, node_id, node_name };

// One of repmgr's checks: when `applies` to what was given and the action is covered, the
// message (its "{}" the action's name) is added to the errors or the warnings.
struct Rule {
    bool (*applies)(const G&);
    Where where;
    Severity severity;
    const char* message;
    Discard discards = Discard::nothing;
};

constexpr Severity W = Severity::warning;
constexpr Severity E = Severity::error;

// check_cli_parameters() in repmgr 5.3.3's order: first what single actions require, then each
// option where repmgr does not read it. The options repmgr has no rule for (e.g. -k, --checkpoint,
// --list-actions, --config-archive-dir, --recovery-min-apply-delay) are never warned about.
const std::vector<Rule>& rules() {
    const auto clone = only({A::standby_clone});
    static const std::vector<Rule> table = {
        // standby clone: Barman mode, else the source node's connection
        {[](const G& g) { return g.barman_mode && g.copy_external_config_files; }, clone, W,
         "--copy-external-config-files ineffective in Barman mode"},
        {[](const G& g) { return g.barman_mode && g.fast_checkpoint; }, clone, W,
         "-c/--fast-checkpoint has no effect in Barman mode"},
        {[](const G& g) { return !g.barman_mode && !g.host_param; }, clone, E,
         "host name for the source node must be provided with -h/--host when executing {}"},
        {[](const G& g) { return !g.barman_mode && !g.connection_param; }, clone, E,
         "database connection parameters for the source node must be provided when executing "
         "{}"},
        // repmgr.conf's data_directory is required, so a given -D is always the ignored one.
        {[](const G& g) { return !g.barman_mode && g.pgdata; }, clone, W,
         "-D/--pgdata will be ignored if a repmgr configuration file is provided"},
        {[](const G& g) { return !g.barman_mode && g.upstream_conninfo && g.replication_user; },
         clone, W, "--replication-user ineffective when specifying --upstream-conninfo"},
        {[](const G& g) { return !g.barman_mode && g.no_upstream_connection; }, clone, W,
         "--no-upstream-connection only effective in Barman mode"},
        // in either mode: the files outside the data directory are not copied unless asked
        {[](const G& g) { return g.config_directory && !g.copy_external_config_files; }, clone, W,
         "\"config_directory\" set in repmgr.conf, but --copy-external-config-files not "
         "provided"},
        {[](const G& g) { return !g.host_param; }, only({A::witness_register}), E,
         "host name for the source node must be provided with -h/--host when executing {}"},
        {[](const G& g) { return g.node_id; }, only({A::node_status}), W,
         "--node-id will be ignored; \"repmgr node status\" can only be executed on the local "
         "node"},
        {[](const G& g) { return g.node_name; }, only({A::node_status}), W,
         "--node-name will be ignored; \"repmgr node status\" can only be executed on the local "
         "node"},
        {[](const G& g) { return !g.connection_param; }, only({A::node_rejoin}), E,
         "database connection parameters for an available node must be provided when executing "
         "NODE REJOIN"},

        // each option where it is not read
        {[](const G& g) { return g.connection_param; },
         except({A::standby_clone, A::standby_follow, A::standby_register, A::witness_register,
                 A::witness_unregister, A::cluster_show, A::cluster_matrix, A::cluster_crosscheck,
                 A::node_rejoin}),
         W, "database connection parameters not required when executing {}"},
        {[](const G& g) { return g.pgdata; },
         except({A::standby_clone, A::standby_follow, A::node_service}), W,
         "-D/--pgdata not required when executing {}"},
        {[](const G& g) { return g.node_id; },
         except({A::primary_unregister, A::standby_unregister, A::witness_unregister,
                 A::cluster_cleanup, A::cluster_event, A::cluster_matrix, A::cluster_crosscheck}),
         W, "--node-id not required when executing {}", Discard::node_id},
        {[](const G& g) { return g.node_name && g.node_id; },
         only({A::standby_unregister, A::cluster_event}), W,
         "--node-id provided, ignoring --node-name", Discard::node_name},
        {[](const G& g) { return g.node_name; }, except({A::standby_unregister, A::cluster_event}),
         W, "--node-name not required when executing {}", Discard::node_name},
        {[](const G& g) { return g.upstream_node_id; },
         except({A::standby_clone, A::standby_register, A::standby_follow}), W,
         "--upstream-node-id will be ignored when executing {}"},
        {[](const G& g) { return g.replication_user; }, only({A::standby_follow}), W,
         "--replication-user ignored when executing {}"},
        {[](const G& g) { return g.replication_user; },
         except({A::primary_register, A::standby_register, A::standby_clone, A::standby_follow}), W,
         "--replication-user not required when executing {}"},
        {[](const G& g) { return g.superuser; },
         except({A::standby_clone, A::standby_switchover, A::node_check, A::node_service}), W,
         "--superuser ignored when executing {}"},
        // repmgr 5.3 still names --replication-conf-only by its repmgr 4 name here.
        {[](const G& g) { return g.replication_conf_only; }, except({A::standby_clone}), W,
         "--create-recovery-conf will be ignored when executing {}"},
        {[](const G& g) { return g.event; }, except({A::cluster_event}), W,
         "--event not required when executing {}"},
        {[](const G& g) { return g.limit; }, except({A::cluster_event}), W,
         "--limit not required when executing {}"},
        {[](const G& g) { return g.all && g.limit; }, only({A::cluster_event}), W,
         "--limit provided, ignoring --all"},
        {[](const G& g) { return g.all; }, except({A::cluster_event}), W,
         "--all not required when executing {}"},
        {[](const G& g) { return g.wait && g.no_wait; }, kEvery, E,
         "both --wait and --no-wait options provided"},
        {[](const G& g) { return g.wait && !g.no_wait; },
         except({A::daemon_start, A::daemon_stop, A::standby_follow}), W,
         "--wait will be ignored when executing {}"},
        {[](const G& g) { return g.no_wait && !g.wait; },
         except({A::daemon_start, A::daemon_stop, A::node_rejoin}), W,
         "--no-wait will be ignored when executing {}"},
        {[](const G& g) { return g.action; }, except({A::node_service}), W,
         "--action will be ignored when executing {}"},
        {[](const G& g) { return g.is_shutdown_cleanly; }, except({A::node_status}), W,
         "--is-shutdown-cleanly will be ignored when executing {}"},
        {[](const G& g) { return g.always_promote; }, except({A::standby_switchover}), W,
         "--always-promote will be ignored when executing {}"},
        {[](const G& g) { return g.force_rewind; }, except({A::standby_switchover, A::node_rejoin}),
         W, "--force-rewind will be ignored when executing {}"},
        {[](const G& g) { return g.repmgrd_no_pause; }, except({A::standby_switchover}), W,
         "--repmgrd-no-pause will be ignored when executing {}"},
        {[](const G& g) { return g.repmgrd_force_unpause && g.repmgrd_no_pause; },
         only({A::standby_switchover}), E,
         "--repmgrd-force-unpause and --repmgrd-no-pause cannot be used together"},
        {[](const G& g) { return g.repmgrd_force_unpause; }, except({A::standby_switchover}), W,
         "--repmgrd-force-unpause will be ignored when executing {}"},
        {[](const G& g) { return g.config_files; }, except({A::node_rejoin}), W,
         "--config-files will be ignored when executing {}"},
        {[](const G& g) { return g.dry_run; },
         except({A::primary_register, A::primary_unregister, A::standby_clone, A::standby_register,
                 A::standby_follow, A::standby_switchover, A::standby_promote, A::witness_register,
                 A::witness_unregister, A::node_rejoin, A::node_service, A::service_pause,
                 A::service_unpause, A::service_status, A::daemon_start, A::daemon_stop}),
         W, "--dry-run is not effective when executing {}"},
        {[](const G& g) { return g.output_formats > 1; }, kEvery, E,
         "only one of --csv, --nagios and --optformat can be used"},
        {[](const G& g) { return g.compact; },
         except({A::cluster_show, A::cluster_event, A::service_status}), W,
         "--compact is not effective when executing {}"},
        {[](const G& g) { return g.detail; }, except({A::service_status}), W,
         "--detail is not effective when executing {}"},
        // The doubled dashes are repmgr 5.3's own.
        {[](const G& g) { return g.siblings_follow; },
         except({A::standby_promote, A::standby_switchover}), W,
         "----siblings-follow is not effective when executing {}"},
        {[](const G& g) { return g.disable_wal_receiver && g.enable_wal_receiver; },
         only({A::node_control}), E,
         "provide either --disable-wal-receiver or --enable-wal-receiver"},
        {[](const G& g) { return g.disable_wal_receiver || g.enable_wal_receiver; },
         except({A::node_control}), W,
         "--disable-wal-receiver / --enable-wal-receiver not effective when executing {}"},
    };
    return table;
}

// repmgr reads -d as a conninfo when it looks like one, and takes its host from there.
bool dbname_names_host(const std::optional<std::string>& dbname) {
    if (!dbname)
        return false;
    const std::string& value = *dbname;
    if (!value.starts_with("postgresql://") && !value.starts_with("postgres://") &&
        value.find('=') == std::string::npos)
        return false;
    const auto parsed = config::parse_libpq_conninfo(value);
    if (parsed.error)
        return false;
    return !parsed.value_of("host").value_or("").empty() ||
           !parsed.value_of("hostaddr").value_or("").empty();
}

}  // namespace

std::optional<Action> repmgr_action(const std::vector<std::string>& words) {
    for (const auto& word : action_words()) {
        if (words.size() >= word.words.size() &&
            std::equal(word.words.begin(), word.words.end(), words.begin()))
            return word.action;
    }
    return std::nullopt;
}

std::string_view action_name(Action action) {
    switch (action) {
        case A::primary_register:
            return "PRIMARY REGISTER";
        case A::primary_unregister:
            return "PRIMARY UNREGISTER";
        case A::standby_clone:
            return "STANDBY CLONE";
        case A::standby_register:
            return "STANDBY REGISTER";
        case A::standby_unregister:
            return "STANDBY UNREGISTER";
        case A::standby_promote:
            return "STANDBY PROMOTE";
        case A::standby_follow:
            return "STANDBY FOLLOW";
        case A::standby_switchover:
            return "STANDBY SWITCHOVER";
        case A::witness_register:
            return "WITNESS REGISTER";
        case A::witness_unregister:
            return "WITNESS UNREGISTER";
        case A::node_status:
            return "NODE STATUS";
        case A::node_check:
            return "NODE CHECK";
        case A::node_rejoin:
            return "NODE REJOIN";
        case A::node_service:
            return "NODE SERVICE";
        case A::node_control:
            return "NODE CONTROL";
        case A::cluster_show:
            return "CLUSTER SHOW";
        case A::cluster_event:
            return "CLUSTER EVENT";
        case A::cluster_crosscheck:
            return "CLUSTER CROSSCHECK";
        case A::cluster_matrix:
            return "CLUSTER MATRIX";
        case A::cluster_cleanup:
            return "CLUSTER CLEANUP";
        case A::service_status:
            return "SERVICE STATUS";
        case A::service_pause:
            return "SERVICE PAUSE";
        case A::service_unpause:
            return "SERVICE UNPAUSE";
        case A::daemon_start:
            return "DAEMON START";
        case A::daemon_stop:
            return "DAEMON STOP";
    }
    return "UNKNOWN ACTION";
}

GivenOptions given_options(const CliOptions& options, bool barman_host_set) {
    GivenOptions g;
    g.connection_param = options.host || options.port || options.user || options.dbname;
    g.host_param = options.host || dbname_names_host(options.dbname);
    g.pgdata = options.pgdata.has_value();
    g.node_id = options.node_id.has_value() || options.node_id_discarded;
    g.node_name = options.node_name.has_value() || options.node_name_discarded;
    g.upstream_node_id = options.upstream_node_id.has_value();
    g.replication_user = options.replication_user.has_value();
    g.superuser = options.superuser.has_value();
    g.replication_conf_only = options.replication_conf_only;
    g.event = options.event.has_value();
    g.limit = options.limit.has_value();
    g.all = options.all;
    g.wait = options.wait_given;
    g.no_wait = options.capital_w || options.no_wait;
    g.action = options.action.has_value();
    g.is_shutdown_cleanly = options.is_shutdown_cleanly;
    g.always_promote = options.always_promote;
    g.force_rewind = options.force_rewind.has_value();
    g.repmgrd_no_pause = options.repmgrd_no_pause;
    g.repmgrd_force_unpause = options.repmgrd_force_unpause;
    g.config_files = options.config_files.has_value();
    g.dry_run = options.dry_run;
    g.output_formats = int{options.csv} + int{options.nagios} + int{options.optformat};
    g.compact = options.compact;
    g.detail = options.detail;
    g.siblings_follow = options.siblings_follow;
    g.disable_wal_receiver = options.disable_wal_receiver;
    g.enable_wal_receiver = options.enable_wal_receiver;
    g.barman_mode = barman_host_set && !options.without_barman;
    g.copy_external_config_files = options.copy_external_config_files;
    g.fast_checkpoint = options.fast_checkpoint;
    g.upstream_conninfo = options.upstream_conninfo.has_value();
    g.no_upstream_connection = options.no_upstream_connection;
    return g;
}

CommandLineProblems check_cli_parameters(Action action, const GivenOptions& given) {
    CommandLineProblems problems;
    for (const auto& rule : rules()) {
        if (!rule.where.covers(action) || !rule.applies(given))
            continue;
        auto& list = rule.severity == Severity::error ? problems.errors : problems.warnings;
        list.push_back(fmt::format(fmt::runtime(rule.message), action_name(action)));
        problems.discard_node_id |= rule.discards == Discard::node_id;
        problems.discard_node_name |= rule.discards == Discard::node_name;
    }
    return problems;
}

void discard_ignored_options(CliOptions& options) {
    const auto action = repmgr_action(options.words);
    if (!action)
        return;
    // Barman mode changes no discard, and repmgr.conf is not read yet.
    const auto problems = check_cli_parameters(*action, given_options(options, false));
    if (problems.discard_node_id && options.node_id) {
        options.node_id.reset();
        options.node_id_discarded = true;
    }
    if (problems.discard_node_name && options.node_name) {
        options.node_name.reset();
        options.node_name_discarded = true;
    }
}

}  // namespace pgwarden::cli
