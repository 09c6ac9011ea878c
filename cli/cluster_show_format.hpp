// Pure: node records and what each node was observed to be -> repmgr 5.3's status and upstream
// cells, its warnings, and the `cluster show` / `service status` tables, CSV and our JSON.
#pragma once

#include "cluster_status.hpp"

#include "cluster/node_record.hpp"

#include <string>
#include <vector>

namespace pgwarden::cli {

// Which command is asking: repmgr words a few warnings differently in each.
enum class StatusCommand { cluster_show, service_status };

// One node's cells, as repmgr's format_node_status builds them.
struct NodeCells {
    std::string status;    // "* running", "  running", "! running as primary", "? unreachable"...
    std::string upstream;  // "node1", "? node1", "! node3", ""
    std::string timeline;  // "1", "n/a" for a witness, "" when unknown
};

struct StatusReport {
    std::vector<NodeCells> cells;       // one per node, in the order given
    std::vector<std::string> warnings;  // the "  - ..." items, in repmgr's order
    bool error_found = false;           // a state repmgr flags without a warning (e.g. "- failed")
    bool connection_error = false;      // some node refused or did not answer
};

// nodes[i] was observed as observations[i]; `verbose` puts libpq's message in the warnings.
StatusReport assess_nodes(const std::vector<cluster::NodeRecord>& nodes,
                          const std::vector<NodeObservation>& observations, StatusCommand command,
                          bool verbose);

// The name of node `id` in `nodes`, or "" (repmgr's LEFT JOIN for upstream_node_name).
std::string node_name_of(const std::vector<cluster::NodeRecord>& nodes, std::optional<int> id);

// `cluster show` as text: header, rule and one row per node; compact drops the conninfo and
// shortens two headers.
std::string format_cluster_table(const std::vector<cluster::NodeRecord>& nodes,
                                 const StatusReport& report, bool compact);
// `cluster show --csv`: "id,availability,recovery" per node (0 up / -1 not; 0 primary,
// 1 standby, -1 unknown).
std::string format_cluster_csv(const std::vector<cluster::NodeRecord>& nodes,
                               const std::vector<NodeObservation>& observations);
// `cluster show --json` (ours): an array with one object per node; conninfo passwords masked.
std::string format_cluster_json(const std::vector<cluster::NodeRecord>& nodes,
                                const std::vector<NodeObservation>& observations,
                                const StatusReport& report);

// `service status` as text and CSV. With `detail` the table also shows the location and
// priority; `compact` shortens two headers and the "seconds ago" cells, as repmgr's options do.
struct ServiceTableForm {
    bool detail = false;
    bool compact = false;
};
std::string format_service_table(const std::vector<cluster::NodeRecord>& nodes,
                                 const std::vector<NodeObservation>& observations,
                                 const StatusReport& report, ServiceTableForm form = {});
std::string format_service_csv(const std::vector<cluster::NodeRecord>& nodes,
                               const std::vector<NodeObservation>& observations);

// The text repmgr logs as one WARNING: "following issues were detected\n  - ...\n" (empty when
// there are no warnings).
std::string format_warnings(const StatusReport& report);

// repmgr's ERR_NODE_STATUS rule: any warning or flagged state makes cluster show exit 25.
bool has_issues(const StatusReport& report);

// repmgr's table: " A | B" header, "---+---" rule, rows " a | b " with every column padded to
// its widest cell. repmgr ends a row with a space unless its last column is the conninfo.
std::string format_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows,
                         bool trailing_space = true);

}  // namespace pgwarden::cli
