// `pgwarden service status|pause|unpause` (and repmgr 4's spelling `daemon ...`): the failover
// daemon on every node as the repmgr extension's shared memory reports it, in repmgr 5.3's table
// or CSV, and the cluster-wide pause flag the daemons obey, set through the same extension.
// Under the table, where pgwarden's fencing is in use, the local node's lease and what the probe
// answers from it.
#include "../cluster_show_format.hpp"
#include "../cluster_status.hpp"
#include "../cluster_survey.hpp"
#include "../command_registry.hpp"
#include "../fencing_status.hpp"
#include "../register_support.hpp"
#include "../sync_status.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_state_store.hpp"
#include "config/pgwarden_ini.hpp"
#include "lease/lease_file.hpp"
#include "lease/replication_file.hpp"
#include "log/log.hpp"
#include "text/conninfo.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>

namespace pgwarden::cli {
namespace {

// A node that drops packets must not stall the pause of the others forever (libpq's default).
constexpr const char* kPauseConnectTimeout = "10";

const config::IniValue* ini_entry(const std::map<std::string, config::IniSection>& sections,
                                  const char* section, const char* key) {
    const auto found = sections.find(section);
    if (found == sections.end())
        return nullptr;
    const auto value = found->second.find(key);
    return value == found->second.end() ? nullptr : &value->second;
}

std::string ini_value(const std::map<std::string, config::IniSection>& sections,
                      const char* section, const char* key, const std::string& otherwise) {
    const auto* entry = ini_entry(sections, section, key);
    return entry != nullptr ? entry->value : otherwise;
}

// The local node's lease where pgwardend writes it ([daemon] lease-directory) and where the
// probe reads it ([probe] lease-directory, fencing), from --ini or the default pgwarden.ini.
// Nothing where pgwarden's fencing is not in use (no pgwarden.ini, no lease file): the output
// stays repmgr's. Throws config::ConfigError for a pgwarden.ini that cannot be read.
std::optional<FencingView> look_at_fencing(const CliOptions& options, int node_id) {
    const std::string ini = options.ini.value_or(config::kDefaultPgwardenIni);
    std::map<std::string, config::IniSection> sections;
    if (options.ini || std::filesystem::exists(ini))
        sections = config::load_pgwarden_ini(ini);
    FencingView view;
    view.node_id = node_id;
    view.lease_path = lease::lease_path(
        ini_value(sections, "daemon", "lease-directory", lease::kDefaultLeaseDirectory), node_id);
    view.lease = lease::look_at_lease(view.lease_path);
    if (sections.empty() && !view.lease.file_exists)
        return std::nullopt;
    view.probe_path = lease::lease_path(
        ini_value(sections, "probe", "lease-directory", lease::kDefaultLeaseDirectory), node_id);
    view.probed =
        view.probe_path == view.lease_path ? view.lease : lease::look_at_lease(view.probe_path);
    if (const auto* fencing = ini_entry(sections, "probe", "fencing")) {
        const auto mode = failover::parse_fencing_mode(fencing->value);
        if (!mode)
            throw config::ConfigError(
                fencing->file, fencing->line,
                fmt::format("invalid fencing \"{}\": use auto, on or off", fencing->value));
        view.probe_mode = *mode;
    }
    view.boot_id = lease::boot_id();
    view.now_ms = lease::monotonic_ms();
    return view;
}

// The replication record pgwardend keeps beside the lease ([daemon] lease-directory).
SyncStatusView look_at_sync(const FencingView& fencing) {
    SyncStatusView view;
    view.node_id = fencing.node_id;
    const auto directory = fencing.lease_path.substr(0, fencing.lease_path.rfind('/'));
    view.path = lease::replication_record_path(directory, fencing.node_id);
    const auto look = lease::look_at_replication_record(view.path);
    view.file_exists = look.file_exists;
    view.record = look.record;
    view.read_error = look.read_error;
    view.now_unix = static_cast<std::int64_t>(std::time(nullptr));
    return view;
}

void emit_fencing_status(const CliOptions& options) {
    const auto config = reg::load_config(options);
    try {
        if (const auto view = look_at_fencing(options, config.node_id)) {
            std::string out = "\n" + format_fencing_status(*view);
            if (const auto sync = format_sync_status(look_at_sync(*view)))
                out += *sync;
            std::fputs(out.c_str(), stdout);
            std::fflush(stdout);
        }
    } catch (const config::ConfigError& e) {
        log::warning("unable to show this node's fencing: {}", e.what());
    }
}

int service_status(const CliOptions& options) {
    const auto survey = survey_cluster(options, StatusCommand::service_status);
    if (!survey)
        return model::kErrBadConfig;
    const auto& [nodes, observations, report] = *survey;
    const ServiceTableForm form{options.detail, options.compact};
    std::string out = options.csv ? format_service_csv(nodes, observations)
                                  : format_service_table(nodes, observations, report, form);
    std::fputs(out.c_str(), stdout);
    if (!options.terse && !options.csv) {
        emit_fencing_status(options);
        emit_status_warnings(report, options.verbose, true);
    }
    // Unlike cluster show, repmgr's service status reports problems without failing.
    return model::kSuccess;
}

// repmgr's _do_repmgr_pause: every registered node, one after the other, in node_id order; a node
// that cannot be reached or refuses the call counts as an error, the others are still done.
int set_paused(const CliOptions& options, bool pause) {
    const auto config = reg::load_config(options);
    auto conn = cluster::connect_local(config);
    const auto registered = load_registered_nodes(conn);
    if (!registered)
        return model::kErrBadConfig;

    const char* verb = pause ? "pause" : "unpause";
    int errors = 0;
    // Without the extension's shared memory the flag is pgwardend's row in repmgr.daemon_status,
    // written on the primary for every node.
    std::optional<pg::Connection> found;
    const auto store = cluster::open_state_store(conn, [&conn, &found]() -> pg::Connection* {
        if (cluster::query_role(conn) == cluster::Role::primary)
            return &conn;
        if (auto primary = cluster::connect_primary(conn))
            found = std::move(primary->conn);
        return found ? &*found : nullptr;
    });
    const bool on_primary = store->kept_on_primary();
    if (on_primary && !store->writable()) {
        log::error("unable to connect to the primary, where the pause flags are kept");
        return model::kErrRepmgrdPause;
    }
    for (const auto& node : *registered) {
        if (on_primary) {
            if (options.dry_run) {
                log::info("would {} node {} ({}) ", verb, node.node_id, node.node_name);
                continue;
            }
            try {
                store->set_paused(node.node_id, pause);
                log::notice("node {} ({}) {}d", node.node_id, node.node_name, verb);
            } catch (const pg::PgError& e) {
                log::error("unable to {} node {}: {}", verb, node.node_id, e.what());
                ++errors;
            }
            continue;
        }
        log::debug("{} node {} ({})", pause ? "pausing" : "unpausing", node.node_id,
                   node.node_name);
        auto node_conn = cluster::try_connect(
            text::with_default(node.conninfo, "connect_timeout", kPauseConnectTimeout));
        if (!node_conn) {
            log::warning("unable to connect to node {}", node.node_id);
            ++errors;
            continue;
        }
        if (options.dry_run) {
            // repmgr's message ends with a space.
            log::info("would {} node {} ({}) ", verb, node.node_id, node.node_name);
            continue;
        }
        bool done = true;
        try {
            cluster::ExtensionStateStore(*node_conn).set_paused(node.node_id, pause);
        } catch (const pg::PgError& e) {
            log::error("unable to execute repmgrd_pause() on node {}: {}", node.node_id, e.what());
            done = false;
            ++errors;
        }
        log::notice("node {} ({}) {}{}d", node.node_id, node.node_name, done ? "" : "not ", verb);
    }
    if (errors > 0) {
        log::error("unable to {} {} node(s)", verb, errors);
        reg::hint(log::Level::error, "execute \"repmgr service status\" to view current status");
        return model::kErrRepmgrdPause;
    }
    return model::kSuccess;
}

int service_pause(const CliOptions& options) {
    return set_paused(options, true);
}

int service_unpause(const CliOptions& options) {
    return set_paused(options, false);
}

constexpr const char* kStatusHelp =
    "pgwarden service status: the failover daemon on every node of the cluster\n\n"
    "Usage:\n"
    "    pgwarden [OPTIONS] service status\n"
    "    pgwarden [OPTIONS] daemon status      (repmgr 4's name, kept as an alias)\n\n"
    "Options:\n"
    "    --csv        emit output as CSV: id,name,type,pg running,daemon running (1/0/-1),\n"
    "                 pid (-1),paused (1/0/-1),priority,upstream last seen secs (-1),location\n"
    "    --detail     also show each node's location and priority\n"
    "    --compact    shorter headers\n"
    "    --verbose    show the text of connection errors\n"
    "    --terse      do not show warnings (nor the fencing lines)\n"
    "    --ini FILE   pgwarden.ini (default /etc/pgwarden/pgwarden.ini, if present)\n\n"
    "Where pgwarden's fencing is in use (a pgwarden.ini, or a lease file of pgwardend's), the\n"
    "table is followed by this node's lease ([daemon] lease-directory) and what pgwarden-probe\n"
    "answers on /primary from it ([probe] fencing and lease-directory), then the primary's\n"
    "synchronous standbys as this node's pgwardend last saw them, and why its last election\n"
    "promoted nobody, if it did not; not with --csv.\n";

constexpr const char* kPauseHelp =
    "pgwarden service pause|unpause: tell the failover daemon on every node to stop (or resume)\n"
    "acting on failures; the daemons keep running and monitoring\n\n"
    "Usage:\n"
    "    pgwarden [OPTIONS] service pause [--dry-run]\n"
    "    pgwarden [OPTIONS] service unpause [--dry-run]\n"
    "    pgwarden [OPTIONS] daemon pause|unpause   (repmgr 4's names, kept as aliases)\n\n"
    "Every registered node is connected to and its repmgr extension told the new state; a node\n"
    "that cannot be reached is reported and the command exits 26 once the others are done.\n\n"
    "Options:\n"
    "    --dry-run    only check that every node can be reached\n";

const CommandRegistration reg_service_status{{{"service", "status"},
                                              "show the failover daemon's status on every node",
                                              kStatusHelp,
                                              &service_status}};
const CommandRegistration reg_daemon_status{
    {{"daemon", "status"}, "alias of \"service status\"", kStatusHelp, &service_status}};
const CommandRegistration reg_service_pause{
    {{"service", "pause"}, "pause failover on every node", kPauseHelp, &service_pause}};
const CommandRegistration reg_daemon_pause{
    {{"daemon", "pause"}, "alias of \"service pause\"", kPauseHelp, &service_pause}};
const CommandRegistration reg_service_unpause{
    {{"service", "unpause"}, "resume failover on every node", kPauseHelp, &service_unpause}};
const CommandRegistration reg_daemon_unpause{
    {{"daemon", "unpause"}, "alias of \"service unpause\"", kPauseHelp, &service_unpause}};

}  // namespace
}  // namespace pgwarden::cli
