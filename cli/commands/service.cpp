// `pgwarden service status` (and repmgr 4's spelling `daemon status`): the failover daemon on
// every node as the repmgr extension's shared memory reports it, in repmgr 5.3's table or CSV.
// pgwardend will publish through the same functions; until then every node says "not running".
#include "../cluster_show_format.hpp"
#include "../cluster_status.hpp"
#include "../command_registry.hpp"
#include "../exit_codes.hpp"
#include "../register_support.hpp"

#include "cluster/connect.hpp"

#include <cstdio>

namespace pgwarden::cli {
namespace {

int service_status(const CliOptions& options) {
    const auto config = reg::load_config(options);
    auto conn = cluster::connect_local(config);
    const auto registered = load_registered_nodes(conn);
    if (!registered)
        return kErrBadConfig;
    const auto& nodes = *registered;

    const auto observations = probe_all(nodes);
    const auto report =
        assess_nodes(nodes, observations, StatusCommand::service_status, options.verbose);
    std::string out = options.csv ? format_service_csv(nodes, observations)
                                  : format_service_table(nodes, observations, report);
    std::fputs(out.c_str(), stdout);
    if (!options.terse && !options.csv)
        emit_status_warnings(report, options.verbose, true);
    // Unlike cluster show, repmgr's service status reports problems without failing.
    return kSuccess;
}

constexpr const char* kHelp =
    "pgwarden service status: the failover daemon on every node of the cluster\n\n"
    "Usage:\n"
    "    pgwarden [OPTIONS] service status\n"
    "    pgwarden [OPTIONS] daemon status      (repmgr 4's name, kept as an alias)\n\n"
    "Options:\n"
    "    --csv        emit output as CSV: id,name,type,pg running,daemon running (1/0/-1),\n"
    "                 pid (-1),paused (1/0/-1),priority,upstream last seen secs (-1),location\n"
    "    --verbose    show the text of connection errors\n"
    "    --terse      do not show warnings\n";

const CommandRegistration reg_service_status{{{"service", "status"},
                                              "show the failover daemon's status on every node",
                                              kHelp,
                                              &service_status}};
const CommandRegistration reg_daemon_status{
    {{"daemon", "status"}, "alias of \"service status\"", kHelp, &service_status}};

}  // namespace
}  // namespace pgwarden::cli
