// Pure: the view each pgwardend publishes of which nodes it reaches, for `cluster matrix` and
// `cluster crosscheck` without ssh. It lives in pg_stat_activity, not in a table, so a
// partitioned side and a hot standby can read it: a session of the daemon runs a constant SELECT
// whose text is the view, and an idle session shows its last query. A daemon that dies takes its
// view with it. The session is named as the daemon's others (pgwardend), not apart: a fence's
// session kill and a switchover's drain spare only that name, and the drain would otherwise
// wait its whole time for a session that never leaves; readers find it by its text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgwarden::cluster {

// `cluster matrix`'s cell values (repmgr's): reachable, not reachable, not known.
inline constexpr int kSeenUp = 0;
inline constexpr int kSeenDown = -1;
inline constexpr int kSeenUnknown = -2;

// Three of the daemon's sweeps (view_sweep.hpp): a row that missed as many is not the node's
// view any more but a memory of it.
inline constexpr std::int64_t kViewFreshSecs = 30;

// What node `viewer` saw of each node in its sweep at `at` (epoch seconds, its daemon's clock).
struct ViewRow {
    int viewer = 0;
    std::int64_t at = 0;
    std::vector<std::pair<int, int>> seen;  // node id, kSeen*
    bool operator==(const ViewRow&) const = default;
};

// The statement a daemon runs to publish `rows` (its own first, then the ones it relays):
// "SELECT 'pgwarden-view v1 <viewer>@<at>:<id>=<status>,...;...'".
std::string view_query(const std::vector<ViewRow>& rows);

struct ParsedView {
    std::vector<ViewRow> rows;
    std::string error;  // why the text is no view ("" when it is one)
};
// A pg_stat_activity.query as view_query wrote it. Anything else (another query, "" when
// track_activities is off, "<insufficient privilege>", a text cut at track_activity_query_size)
// is no view, and `error` says why.
ParsedView parse_view_query(std::string_view query);

// Whether `row` is still the view of its node at `now` (the publishing server's now()): seen in
// the last kViewFreshSecs, and not that far ahead either (a clock so far off says nothing).
bool is_fresh(const ViewRow& row, std::int64_t now);
// The fresh rows of `rows`.
std::vector<ViewRow> fresh_rows(const std::vector<ViewRow>& rows, std::int64_t now);
// The newest row of `viewer` among `rows`.
std::optional<ViewRow> newest_row_of(const std::vector<ViewRow>& rows, int viewer);

// `row` with only the cells of nodes in `ids` (repmgr.nodes as the reader has it).
ViewRow only_nodes(ViewRow row, const std::vector<int>& ids);

struct Publication {
    std::string query;
    bool relayed_dropped = false;  // the relayed rows did not fit: only `own` is published
    bool fits = true;              // false: not even `own` fits, nothing is worth publishing
};
// What to publish so that pg_stat_activity keeps all of it: PostgreSQL keeps the first
// track_activity_query_size - 1 bytes of a query, and a cut view does not parse.
Publication publication(const ViewRow& own, const std::vector<ViewRow>& relayed,
                        int track_activity_query_size);

// The published views on one server, and that server's clock: columns query and now (epoch
// seconds). Readable on a hot standby by the daemon's role, a superuser or pg_read_all_stats.
// Only sessions of the reading role (repmgr.nodes' user, as the daemons'): any other role that
// can log in could otherwise publish a forged view by leaving such a SELECT idle.
std::string published_views_sql();

}  // namespace pgwarden::cluster
