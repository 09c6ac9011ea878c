// `pgwarden cluster event`: repmgr.events, newest first, in repmgr 5.3's table, compact or CSV
// form.
#include "../command_registry.hpp"
#include "../register_event_table.hpp"
#include "../register_support.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
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
    if (options.limit && options.all)
        log::warning(
            "following problems with command line parameters detected:\n"
            "  --limit provided, ignoring --all");
    if (options.node_id && options.node_name)
        log::warning(
            "following problems with command line parameters detected:\n"
            "  --node-id provided, ignoring --node-name");

    const auto config = reg::load_config(options);
    auto conn = cluster::connect_local(config);

    std::vector<std::optional<std::string>> params;
    std::string where;
    auto add_condition = [&](const std::string& condition, std::string value) {
        params.emplace_back(std::move(value));
        where += (where.empty() ? " WHERE " : " AND ") + condition + " $" +
                 std::to_string(params.size());
    };
    if (options.node_id) {
        if (!cluster::load_node(conn, *options.node_id)) {
            log::error("node {} (specified with --node-id) not found", *options.node_id);
            return model::kErrBadConfig;
        }
        add_condition("e.node_id =", std::to_string(*options.node_id));
    } else if (options.node_name) {
        const auto node = cluster::load_node_by_name(conn, *options.node_name);
        if (!node) {
            log::error("node \"{}\" (specified with --node-name) not found", *options.node_name);
            return model::kErrBadConfig;
        }
        add_condition("e.node_id =", std::to_string(node->node_id));
    }
    if (options.event)
        add_condition("e.event =", *options.event);

    std::string sql =
        "SELECT e.node_id, COALESCE(n.node_name, ''), e.event, e.successful,"
        " pg_catalog.to_char(e.event_timestamp, 'YYYY-MM-DD HH24:MI:SS'), COALESCE(e.details, '')"
        " FROM repmgr.events e LEFT JOIN repmgr.nodes n ON e.node_id = n.node_id" +
        where + " ORDER BY e.event_timestamp DESC";
    if (options.limit || !options.all)
        sql += " LIMIT " + std::to_string(options.limit.value_or(kDefaultLimit));

    const auto result = conn.exec(sql, params);
    std::vector<reg::EventRow> rows;
    for (int row = 0; row < result.rows(); ++row) {
        rows.push_back({std::string(result.value(row, 0)), std::string(result.value(row, 1)),
                        std::string(result.value(row, 2)), std::string(result.value(row, 3)),
                        std::string(result.value(row, 4)), std::string(result.value(row, 5))});
    }
    const std::string text =
        options.csv ? reg::format_event_csv(rows) : reg::format_event_table(rows, options.compact);
    std::fputs(text.c_str(), stdout);
    return model::kSuccess;
}

const CommandRegistration registration{
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
