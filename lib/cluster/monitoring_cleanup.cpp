#include "cluster/monitoring_cleanup.hpp"

#include <string>

namespace pgwarden::cluster {
namespace {

// repmgr's condition: age(now(), last_monitor_time) >= 'N days', and the node when given.
constexpr const char* kOldEnough =
    " WHERE pg_catalog.age(pg_catalog.now(), last_monitor_time) >="
    " pg_catalog.make_interval(days => $1::int)"
    " AND ($2::int IS NULL OR standby_node_id = $2::int)";

std::vector<std::optional<std::string>> params(int keep_days, std::optional<int> node_id) {
    std::optional<std::string> node;
    if (node_id)
        node = std::to_string(*node_id);
    return {std::to_string(keep_days), node};
}

}  // namespace

long long count_monitoring_records_to_delete(pg::Connection& primary, int keep_days,
                                             std::optional<int> standby_node_id) {
    const auto result = primary.exec(
        std::string("SELECT pg_catalog.count(*) FROM repmgr.monitoring_history") + kOldEnough,
        params(keep_days, standby_node_id));
    return std::stoll(std::string(result.value(0, 0)));
}

void delete_monitoring_records(pg::Connection& primary, int keep_days,
                               std::optional<int> standby_node_id) {
    if (keep_days == 0 && !standby_node_id) {
        primary.exec("TRUNCATE TABLE repmgr.monitoring_history");
        return;
    }
    primary.exec(std::string("DELETE FROM repmgr.monitoring_history") + kOldEnough,
                 params(keep_days, standby_node_id));
}

void vacuum_monitoring_history(pg::Connection& primary) {
    primary.exec("VACUUM repmgr.monitoring_history");
}

}  // namespace pgwarden::cluster
