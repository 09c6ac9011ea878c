// `pgwarden cluster event`: repmgr.events, newest first, in repmgr 5.3's table, compact or CSV
// form.
#include "../command_registry.hpp"
#include "../register_event_table.hpp"
#include "../register_support.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/event_log.hpp"
#include "cluster/node_record.hpp"
#include "log/log.hpp"

#include <cstdio>

namespace pgwarden::cli {
namespace {

constexpr int kDefaultLimit = 20;

int cluster_event(const CliOptions& options) {
    if (options.limit && *options.limit < 1) {
        std::fprintf(stderr,
                     "The following command line errors were encountered:\n"
                     "  \"--limit\": must be 1 or greater (provided: \"%d\")\n",
                     *options.limit);
        return model::kErrBadConfig;
    }
    // repmgr's "--limit provided, ignoring --all" and "--node-id provided, ignoring --node-name"
    // are among load_config's command line warnings (option_applicability).
    const auto config = reg::load_config(options);
    auto conn = cluster::connect_local(config);

    cluster::EventFilter filter;
    if (options.node_id) {
        if (!cluster::load_node(conn, *options.node_id)) {
            log::error("node {} (specified with --node-id) not found", *options.node_id);
            return model::kErrBadConfig;
        }
        filter.node_id = *options.node_id;
    } else if (options.node_name) {
        const auto node = cluster::load_node_by_name(conn, *options.node_name);
        if (!node) {
            log::error("node \"{}\" (specified with --node-name) not found", *options.node_name);
            return model::kErrBadConfig;
        }
        filter.node_id = node->node_id;
    }
    filter.event = options.event;
    if (options.limit || !options.all)
        filter.limit = options.limit.value_or(kDefaultLimit);

    std::vector<reg::EventRow> rows;
    for (auto& entry : cluster::list_events(conn, filter)) {
        rows.push_back({std::to_string(entry.node_id), std::move(entry.node_name),
                        std::move(entry.event), entry.successful ? "t" : "f",
                        std::move(entry.timestamp), std::move(entry.details)});
    }
    const std::string text =
        options.csv ? reg::format_event_csv(rows) : reg::format_event_table(rows, options.compact);
    std::fputs(text.c_str(), stdout);
    return model::kSuccess;
}

const CommandRegistration reg_cluster_event{
    {{"cluster", "event"},
     "show the events recorded in repmgr.events",
     "pgwarden cluster event: output a formatted list of cluster events, newest first\n\n"
     "Usage: pgwarden [-f repmgr.conf] cluster event [OPTIONS]\n\n"
     "Options:\n"
     "  --limit=N            show at most N events (default: 20)\n"
     "  --all                show all events (ignored with --limit)\n"
     "  --node-id=N          only events for the node with this ID\n"
     "  --node-name=NAME     only events for the node with this name\n"
     "  --event=TYPE         only events of this type, e.g. standby_register\n"
     "  --csv                CSV output (node ID, name, event, success, timestamp)\n"
     "  --compact            leave out the Details column\n",
     &cluster_event}};

}  // namespace
}  // namespace pgwarden::cli
