// Pure: repmgr 5.3's `cluster matrix` and `cluster crosscheck`. Every node's view of every other
// node (0 reachable, -1 not, -2 unknown), filled from the CSV each node's own `cluster show` or
// `cluster matrix` printed, and shown as repmgr's table or CSV.
#pragma once

#include "cluster/node_views.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::cli {

inline constexpr int kSeenUp = cluster::kSeenUp;
inline constexpr int kSeenDown = cluster::kSeenDown;
inline constexpr int kSeenUnknown = cluster::kSeenUnknown;

// status[i][j]: what node ids[i] sees of node ids[j].
struct Matrix {
    std::vector<int> ids;
    std::vector<std::string> names;
    std::vector<std::vector<int>> status;
};

// Every cell unknown.
Matrix empty_matrix(const std::vector<int>& ids, const std::vector<std::string>& names);
// Sets what `viewer` sees of `seen`; ids not in the matrix are ignored, as repmgr does.
void set_seen(Matrix& matrix, int viewer, int seen, int status);

// What `row.viewer` saw of each node, as its daemon published it; nodes not in the matrix are
// ignored, nodes it did not see stay as they were.
void set_row(Matrix& matrix, const cluster::ViewRow& row);

// The fresh rows each node publishes (its daemon's own and those it relays), by the node they
// were read on.
using Published = std::map<int, std::vector<cluster::ViewRow>>;
// Node `viewer`'s row: as it publishes it, else the newest copy another node relays.
std::optional<cluster::ViewRow> published_row(const Published& published, int viewer);
// Node `executor`'s matrix as its daemon publishes it: its own row, and each node's it relays
// (so it reached that node) as the newest copy read anywhere, since a relay is up to a sweep
// older than the node's own. Nothing when it publishes no fresh row of its own.
std::optional<std::vector<cluster::ViewRow>> published_matrix(const Published& published,
                                                              int executor);

// `cluster show --csv` from node `viewer` ("id,availability,recovery" lines), one line per node
// as repmgr reads it. False when a line does not parse; `problems` then has repmgr's warnings.
bool read_show_csv(Matrix& matrix, int viewer, std::string_view output,
                   std::vector<std::string>& problems);

// One matrix per node that ran `cluster matrix --csv`: cube[h] is node ids[h]'s.
using Cube = std::vector<Matrix>;
// `cluster matrix --csv` ("viewer,seen,status" lines) as node `executor` printed it. False when
// a line does not parse.
bool read_matrix_csv(Cube& cube, int executor, std::string_view output);
// Node `executor`'s matrix as its daemon published it (its row and those it relays).
void read_published_matrix(Cube& cube, int executor, const std::vector<cluster::ViewRow>& rows);
// Each cell the best any node saw it: up if any saw it up, else down if any saw it down.
Matrix cross_check(const Cube& cube);

// repmgr's table: "Name | ID | <id>..." with '*', 'x' or '?' per cell, and its CSV.
std::string format_matrix_table(const Matrix& matrix);
std::string format_matrix_csv(const Matrix& matrix);

// ERR_NODE_STATUS (25) when a node was seen down (or, with `count_unknown`, not seen: repmgr's
// matrix --csv); else `other_error` (an SSH or parse failure, or 0).
int matrix_exit_code(const Matrix& matrix, bool count_unknown, int other_error);

}  // namespace pgwarden::cli
