#include "cluster/event_log.hpp"

#include "text/parse_number.hpp"

namespace pgwarden::cluster {

std::vector<EventEntry> list_events(pg::Connection& conn, const EventFilter& filter) {
    std::vector<std::optional<std::string>> params;
    std::string where;
    auto add_condition = [&](const std::string& condition, std::string value) {
        params.emplace_back(std::move(value));
        where += (where.empty() ? " WHERE " : " AND ") + condition + " $" +
                 std::to_string(params.size());
    };
    if (filter.node_id)
        add_condition("e.node_id =", std::to_string(*filter.node_id));
    if (filter.event)
        add_condition("e.event =", *filter.event);

    std::string sql =
        "SELECT e.node_id, COALESCE(n.node_name, ''), e.event, e.successful,"
        " pg_catalog.to_char(e.event_timestamp, 'YYYY-MM-DD HH24:MI:SS'), COALESCE(e.details, '')"
        " FROM repmgr.events e LEFT JOIN repmgr.nodes n ON e.node_id = n.node_id" +
        where + " ORDER BY e.event_timestamp DESC";
    if (filter.limit)
        sql += " LIMIT " + std::to_string(*filter.limit);

    const auto result = conn.exec(sql, params);
    std::vector<EventEntry> entries;
    for (int row = 0; row < result.rows(); ++row) {
        entries.push_back({text::parse_number<int>(result.value(row, 0)).value_or(0),
                           std::string(result.value(row, 1)), std::string(result.value(row, 2)),
                           result.value(row, 3) == "t", std::string(result.value(row, 4)),
                           std::string(result.value(row, 5))});
    }
    return entries;
}

}  // namespace pgwarden::cluster
