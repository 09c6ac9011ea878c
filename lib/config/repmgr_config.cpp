#include "config/repmgr_config.hpp"

#include "config/libpq_conninfo.hpp"

#include "text/ascii.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <utility>

namespace pgwarden::config {
namespace {

// How a key's value is read; the table below says which kind each key is.
enum class Kind {
    integer,
    boolean,
    text,
    path,  // text, canonicalized as repmgr does (no trailing '/', "//" and ".." resolved)
    time_with_unit,
    replication_type,
    log_level,
    failover,
    check_type,
    tablespace_mapping,
    event_list,
};

struct Setting {
    std::string_view name;
    Kind kind;
    int RepmgrConfig::*int_field = nullptr;
    bool RepmgrConfig::*bool_field = nullptr;
    std::string RepmgrConfig::*text_field = nullptr;
    int min = 0;
    int max = INT_MAX;
    std::size_t max_length = kMaxStringLength;
};

using C = RepmgrConfig;

constexpr Setting integer(std::string_view name, int C::*field, int min, int max = INT_MAX) {
    return {.name = name, .kind = Kind::integer, .int_field = field, .min = min, .max = max};
}

// Seconds that become a statement_timeout in milliseconds (an int in PostgreSQL, which refuses
// more) or are added to one another: past this they would overflow or be refused on connecting.
constexpr int kMaxTimeoutSecs = INT_MAX / 1000;
constexpr Setting boolean(std::string_view name, bool C::*field) {
    return {.name = name, .kind = Kind::boolean, .bool_field = field};
}
constexpr Setting text(std::string_view name, std::string C::*field,
                       std::size_t max_length = kMaxStringLength, Kind kind = Kind::text) {
    return {.name = name, .kind = kind, .text_field = field, .max_length = max_length};
}
constexpr Setting path(std::string_view name, std::string C::*field) {
    return text(name, field, kMaxStringLength, Kind::path);
}
constexpr Setting special(std::string_view name, Kind kind) {
    return {.name = name, .kind = kind};
}

// Every key repmgr 5.3.3 accepts, in the order `repmgr --dump-config` prints them; minimums
// from repmgr's configdata.c (checked against the real binary).
constexpr Setting kSettings[] = {
    integer("node_id", &C::node_id, 1),
    text("node_name", &C::node_name, kMaxNodeNameLength),
    text("conninfo", &C::conninfo),
    text("replication_user", &C::replication_user, kMaxNodeNameLength),
    path("data_directory", &C::data_directory),
    path("config_directory", &C::config_directory),
    path("pg_bindir", &C::pg_bindir),
    path("repmgr_bindir", &C::repmgr_bindir),
    text("replication_type", &C::replication_type, kMaxStringLength, Kind::replication_type),
    special("log_level", Kind::log_level),
    text("log_facility", &C::log_facility),
    path("log_file", &C::log_file),
    integer("log_status_interval", &C::log_status_interval, 0),
    boolean("use_replication_slots", &C::use_replication_slots),
    text("pg_basebackup_options", &C::pg_basebackup_options),
    text("restore_command", &C::restore_command),
    special("tablespace_mapping", Kind::tablespace_mapping),
    text("recovery_min_apply_delay", &C::recovery_min_apply_delay, kMaxStringLength,
         Kind::time_with_unit),
    text("archive_cleanup_command", &C::archive_cleanup_command),
    boolean("use_primary_conninfo_password", &C::use_primary_conninfo_password),
    text("passfile", &C::passfile),
    integer("promote_check_timeout", &C::promote_check_timeout, 1),
    integer("promote_check_interval", &C::promote_check_interval, 1),
    integer("primary_follow_timeout", &C::primary_follow_timeout, 1, kMaxTimeoutSecs),
    integer("standby_follow_timeout", &C::standby_follow_timeout, 1, kMaxTimeoutSecs),
    boolean("standby_follow_restart", &C::standby_follow_restart),
    integer("shutdown_check_timeout", &C::shutdown_check_timeout, 1),
    integer("standby_reconnect_timeout", &C::standby_reconnect_timeout, 1),
    integer("wal_receive_check_timeout", &C::wal_receive_check_timeout, 1),
    integer("node_rejoin_timeout", &C::node_rejoin_timeout, 1),
    integer("archive_ready_warning", &C::archive_ready_warning, 1),
    integer("archive_ready_critical", &C::archive_ready_critical, 1),
    integer("replication_lag_warning", &C::replication_lag_warning, 1),
    integer("replication_lag_critical", &C::replication_lag_critical, 1),
    integer("witness_sync_interval", &C::witness_sync_interval, 1),
    special("failover", Kind::failover),
    text("location", &C::location),
    integer("priority", &C::priority, 0),
    text("promote_command", &C::promote_command),
    text("follow_command", &C::follow_command),
    integer("monitor_interval_secs", &C::monitor_interval_secs, 1),
    integer("reconnect_attempts", &C::reconnect_attempts, 0),
    integer("reconnect_interval", &C::reconnect_interval, 0),
    boolean("monitoring_history", &C::monitoring_history),
    integer("degraded_monitoring_timeout", &C::degraded_monitoring_timeout, -1),
    integer("async_query_timeout", &C::async_query_timeout, 0, kMaxTimeoutSecs),
    integer("primary_notification_timeout", &C::primary_notification_timeout, 0),
    integer("repmgrd_standby_startup_timeout", &C::repmgrd_standby_startup_timeout, 0),
    path("repmgrd_pid_file", &C::repmgrd_pid_file),
    boolean("repmgrd_exit_on_inactive_node", &C::repmgrd_exit_on_inactive_node),
    boolean("standby_disconnect_on_failover", &C::standby_disconnect_on_failover),
    integer("sibling_nodes_disconnect_timeout", &C::sibling_nodes_disconnect_timeout, 0),
    special("connection_check_type", Kind::check_type),
    boolean("primary_visibility_consensus", &C::primary_visibility_consensus),
    boolean("always_promote", &C::always_promote),
    text("failover_validation_command", &C::failover_validation_command),
    integer("election_rerun_interval", &C::election_rerun_interval, 1),
    integer("child_nodes_check_interval", &C::child_nodes_check_interval, 1),
    integer("child_nodes_disconnect_min_count", &C::child_nodes_disconnect_min_count, -1),
    integer("child_nodes_connected_min_count", &C::child_nodes_connected_min_count, -1),
    boolean("child_nodes_connected_include_witness", &C::child_nodes_connected_include_witness),
    integer("child_nodes_disconnect_timeout", &C::child_nodes_disconnect_timeout, 0),
    text("child_nodes_disconnect_command", &C::child_nodes_disconnect_command),
    text("pg_ctl_options", &C::pg_ctl_options),
    text("service_start_command", &C::service_start_command),
    text("service_stop_command", &C::service_stop_command),
    text("service_restart_command", &C::service_restart_command),
    text("service_reload_command", &C::service_reload_command),
    text("service_promote_command", &C::service_promote_command),
    text("repmgrd_service_start_command", &C::repmgrd_service_start_command),
    text("repmgrd_service_stop_command", &C::repmgrd_service_stop_command),
    text("event_notification_command", &C::event_notification_command),
    special("event_notifications", Kind::event_list),
    text("barman_host", &C::barman_host),
    text("barman_server", &C::barman_server),
    text("barman_config", &C::barman_config),
    text("rsync_options", &C::rsync_options),
    text("ssh_options", &C::ssh_options),
    boolean("reconnect_loop_sync", &C::reconnect_loop_sync),
    integer("promote_delay", &C::promote_delay, 1),
    integer("failover_delay", &C::failover_delay, 1),
    text("connection_check_query", &C::connection_check_query),
};

// Keys older repmgr versions used; repmgr 5.3 warns with these words and carries on.
constexpr std::pair<std::string_view, std::string_view> kRetiredKeys[] = {
    {"cluster", "parameter \"cluster\" is deprecated and will be ignored"},
    {"node", "parameter \"node\" has been renamed to \"node_id\""},
    {"upstream_node",
     "parameter \"upstream_node\" has been removed; use \"--upstream-node-id\" when cloning a "
     "standby"},
    {"loglevel", "parameter \"loglevel\" has been renamed to \"log_level\""},
    {"logfacility", "parameter \"logfacility\" has been renamed to \"log_facility\""},
    {"logfile", "parameter \"logfile\" has been renamed to \"log_file\""},
    {"master_reponse_timeout",
     "parameter \"master_reponse_timeout\" has been removed; use \"async_query_timeout\" instead"},
    {"retry_promote_interval_secs",
     "parameter \"retry_promote_interval_secs\" has been removed; use "
     "\"primary_notification_timeout\" instead"},
};

const Setting* find_setting(std::string_view name) {
    const auto it = std::find_if(std::begin(kSettings), std::end(kSettings),
                                 [name](const Setting& s) { return s.name == name; });
    return it == std::end(kSettings) ? nullptr : &*it;
}

using text::iequals;

// Reads the entries into a RepmgrConfig, collecting every problem rather than stopping at one.
class Builder {
  public:
    Builder(const ParsedConfig& parsed, const std::string& config_file) : errors_(parsed.errors) {
        config_.config_file = config_file;
        config_.warnings = parsed.warnings;
    }

    void apply(const ConfigEntry& entry) {
        config_.raw.insert_or_assign(entry.name, entry);
        if (const Setting* setting = find_setting(entry.name)) {
            apply(*setting, entry);
            return;
        }
        const auto retired = std::find_if(std::begin(kRetiredKeys), std::end(kRetiredKeys),
                                          [&](const auto& r) { return r.first == entry.name; });
        if (retired != std::end(kRetiredKeys))
            warn(entry, std::string(retired->second));
        else
            warn(entry, fmt::format("unknown parameter \"{}\" ignored", entry.name));
    }

    RepmgrConfig finish() && {
        check_required();
        check_conninfo();
        check_related();
        if (config_.repmgrd_standby_startup_timeout == -1)
            config_.repmgrd_standby_startup_timeout = config_.standby_reconnect_timeout;
        if (!errors_.empty())
            throw ConfigError(std::move(errors_));
        return std::move(config_);
    }

  private:
    void warn(const ConfigEntry& entry, std::string reason) {
        config_.warnings.push_back(
            ConfigProblem{entry.file, entry.line, std::move(reason)}.to_string());
    }
    void error(const ConfigEntry& entry, std::string reason) {
        errors_.push_back(ConfigProblem{entry.file, entry.line, std::move(reason)});
    }
    void invalid(const ConfigEntry& entry, std::string_view expected) {
        error(entry, fmt::format("invalid value for parameter \"{}\": {} ({})", entry.name,
                                 quote_for_message(entry.value), expected));
    }

    void apply(const Setting& setting, const ConfigEntry& entry) {
        const std::string& value = entry.value;
        switch (setting.kind) {
            case Kind::integer: {
                const auto parsed = parse_repmgr_int(value, setting.min, setting.max);
                if (!parsed.value)
                    return invalid(entry, parsed.expected);
                config_.*setting.int_field = *parsed.value;
                if (!parsed.note.empty())
                    warn(entry, fmt::format("value {} for parameter \"{}\" {}",
                                            quote_for_message(value), entry.name, parsed.note));
                return;
            }
            case Kind::boolean: {
                const auto parsed = parse_repmgr_bool(value);
                if (!parsed.value)
                    return invalid(entry, parsed.expected);
                config_.*setting.bool_field = *parsed.value;
                return;
            }
            case Kind::text:
            case Kind::path:
            case Kind::time_with_unit:
            case Kind::replication_type:
                return apply_text(setting, entry);
            case Kind::log_level: {
                config_.log_level = log::parse_level(value);
                // As repmgr: a bad level is a warning and the program's default applies.
                if (!value.empty() && !config_.log_level)
                    warn(entry, fmt::format("invalid value for parameter \"log_level\": {} ignored "
                                            "(expected DEBUG, INFO, NOTICE, WARNING, ERROR, ALERT, "
                                            "CRIT or EMERG)",
                                            quote_for_message(value)));
                return;
            }
            case Kind::failover:
                // repmgr compares these two case-sensitively (unlike connection_check_type).
                if (value == "manual")
                    config_.failover = FailoverMode::manual;
                else if (value == "automatic")
                    config_.failover = FailoverMode::automatic;
                else
                    invalid(entry, iequals(value, "manual") || iequals(value, "automatic")
                                       ? "expected \"automatic\" or \"manual\", in lower case"
                                       : "expected \"automatic\" or \"manual\"");
                return;
            case Kind::check_type:
                if (iequals(value, "ping"))
                    config_.connection_check_type = ConnectionCheckType::ping;
                else if (iequals(value, "connection"))
                    config_.connection_check_type = ConnectionCheckType::connection;
                else if (iequals(value, "query"))
                    config_.connection_check_type = ConnectionCheckType::query;
                else
                    invalid(entry, "expected \"ping\", \"connection\" or \"query\"");
                return;
            case Kind::tablespace_mapping: {
                auto parsed = parse_tablespace_mapping(value);
                if (!parsed.value)
                    return invalid(entry, parsed.expected);
                config_.tablespace_mapping.push_back(std::move(*parsed.value));
                return;
            }
            case Kind::event_list:
                for (auto& event : parse_event_list(value))
                    config_.event_notifications.push_back(std::move(event));
                return;
        }
    }

    void apply_text(const Setting& setting, const ConfigEntry& entry) {
        const std::string& value = entry.value;
        if (value.size() > setting.max_length) {
            return error(entry, fmt::format("invalid value for parameter \"{}\": {} characters "
                                            "long (at most {} allowed)",
                                            entry.name, value.size(), setting.max_length));
        }
        if (setting.kind == Kind::time_with_unit) {
            if (const auto expected = check_time_with_unit(value))
                return invalid(entry, *expected);
        }
        if (setting.kind == Kind::replication_type) {
            if (!iequals(value, "physical"))
                return invalid(entry, "expected \"physical\"");
            config_.replication_type = "physical";
            return;
        }
        config_.*setting.text_field = setting.kind == Kind::path ? canonicalize_path(value) : value;
    }

    // Missing: "file: ... was not found"; present but empty: "file:line: ... is empty". A value
    // that was present but invalid has been reported already.
    void require(std::string_view key, bool missing) {
        if (!missing)
            return;
        const auto it = config_.raw.find(std::string(key));
        if (it == config_.raw.end())
            errors_.push_back(
                ConfigProblem{config_.config_file, 0,
                              fmt::format("required parameter \"{}\" was not found", key)});
        else if (it->second.value.empty())
            error(it->second, fmt::format("required parameter \"{}\" is empty", key));
    }

    void check_required() {
        require("node_id", config_.node_id == kUnknownNodeId);
        require("node_name", config_.node_name.empty());
        require("data_directory", config_.data_directory.empty());
        require("conninfo", config_.conninfo.empty());
    }

    // As repmgr: libpq must understand every keyword; values are only checked on connecting.
    void check_conninfo() {
        if (config_.conninfo.empty())
            return;
        if (const auto reason = conninfo_error(config_.conninfo))
            error(config_.raw.at("conninfo"),
                  fmt::format("invalid value for parameter \"conninfo\": {}", *reason));
    }

    std::string value_and_source(std::string_view key, int value) const {
        return fmt::format("\"{}\" ({}, {})", key, value, source_of(config_, std::string(key)));
    }

    void check_greater(std::string_view high_key, int high, std::string_view low_key, int low,
                       bool or_equal) {
        if (high > low || (or_equal && high == low))
            return;
        errors_.push_back(
            ConfigProblem{config_.config_file, 0,
                          fmt::format("{} must be {} {}", value_and_source(high_key, high),
                                      or_equal ? "equal to or greater than" : "greater than",
                                      value_and_source(low_key, low))});
    }

    void check_related() {
        check_greater("archive_ready_critical", config_.archive_ready_critical,
                      "archive_ready_warning", config_.archive_ready_warning, false);
        check_greater("replication_lag_critical", config_.replication_lag_critical,
                      "replication_lag_warning", config_.replication_lag_warning, false);
        check_greater("standby_reconnect_timeout", config_.standby_reconnect_timeout,
                      "node_rejoin_timeout", config_.node_rejoin_timeout, true);
        if (config_.barman_host.empty() != config_.barman_server.empty()) {
            errors_.push_back(ConfigProblem{
                config_.config_file, 0,
                "\"barman_host\" and \"barman_server\" must be set together: barman_host is the "
                "host name of the Barman server, barman_server the name of its [server] section"});
        }
    }

    RepmgrConfig config_;
    std::vector<ConfigProblem> errors_;
};

std::string dump_value(const RepmgrConfig& config, const Setting& setting) {
    switch (setting.kind) {
        case Kind::integer:
            return std::to_string(config.*setting.int_field);
        case Kind::boolean:
            return config.*setting.bool_field ? "true" : "false";
        case Kind::text:
        case Kind::path:
        case Kind::time_with_unit:
        case Kind::replication_type:
            return config.*setting.text_field;
        case Kind::log_level: {
            const auto it = config.raw.find("log_level");
            return it == config.raw.end() ? std::string() : it->second.value;
        }
        case Kind::failover:
            return config.failover == FailoverMode::automatic ? "automatic" : "manual";
        case Kind::check_type:
            switch (config.connection_check_type) {
                case ConnectionCheckType::ping:
                    return "ping";
                case ConnectionCheckType::connection:
                    return "connection";
                case ConnectionCheckType::query:
                    return "query";
            }
            return {};
        case Kind::tablespace_mapping: {
            std::vector<std::string> pairs;
            for (const auto& m : config.tablespace_mapping)
                pairs.push_back(m.old_dir + "=" + m.new_dir);
            return fmt::format("{}", fmt::join(pairs, ","));
        }
        case Kind::event_list:
            return fmt::format("{}", fmt::join(config.event_notifications, ","));
    }
    return {};
}

}  // namespace

std::string source_of(const RepmgrConfig& config, const std::string& key) {
    const auto it = config.raw.find(key);
    if (it == config.raw.end())
        return "default";
    return fmt::format("{}:{}", it->second.file, it->second.line);
}

RepmgrConfig build_repmgr_config(const ParsedConfig& parsed, const std::string& config_file) {
    Builder builder(parsed, config_file);
    for (const auto& entry : parsed.entries)
        builder.apply(entry);
    return std::move(builder).finish();
}

RepmgrConfig load_repmgr_conf(const std::string& path) {
    ParseOptions options;
    options.collect_errors = true;
    return build_repmgr_config(parse_pg_conf_file(path, options), path);
}

void check_repmgrd_requirements(const RepmgrConfig& config) {
    if (config.failover != FailoverMode::automatic)
        return;
    std::vector<ConfigProblem> problems;
    for (const auto& [key, value] : {std::pair{"promote_command", &config.promote_command},
                                     std::pair{"follow_command", &config.follow_command}}) {
        if (value->empty())
            problems.push_back(ConfigProblem{
                config.config_file, 0,
                fmt::format("required parameter \"{}\" was not found (failover=automatic "
                            "needs it; set failover=manual to run without)",
                            key)});
    }
    if (!problems.empty())
        throw ConfigError(std::move(problems));
}

std::string dump_repmgr_config(const RepmgrConfig& config) {
    std::string out;
    for (const auto& setting : kSettings)
        out += fmt::format("{}|{}\n", setting.name, dump_value(config, setting));
    return out;
}

}  // namespace pgwarden::config
