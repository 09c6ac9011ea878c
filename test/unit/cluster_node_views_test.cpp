// The view pgwardend publishes in pg_stat_activity for `cluster matrix` without ssh: its text
// both ways, what is no view, freshness, what fits in track_activity_query_size.
#include "cluster/node_views.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgwarden::cluster;

namespace {

const ViewRow kOwn{1, 1764633600, {{1, kSeenUp}, {2, kSeenUp}, {3, kSeenDown}}};
const ViewRow kRelayed{2, 1764633595, {{1, kSeenUp}, {2, kSeenUp}, {3, kSeenUnknown}}};

}  // namespace

TEST_CASE("a published view reads back as the rows written", "[cluster][views]") {
    const auto query = view_query({kOwn, kRelayed});
    CHECK(query == "SELECT 'pgwarden-view v1 1@1764633600:1=0,2=0,3=-1;2@1764633595:1=0,2=0,3=-2'");
    const auto parsed = parse_view_query(query);
    CHECK(parsed.error.empty());
    CHECK(parsed.rows == std::vector<ViewRow>{kOwn, kRelayed});

    // A node that saw no nodes (an empty repmgr.nodes) still says when it looked.
    const ViewRow empty{4, 17, {}};
    CHECK(parse_view_query(view_query({empty})).rows == std::vector<ViewRow>{empty});

    // Readers find the session by that text, its quote doubled in the pattern.
    CHECK_THAT(published_views_sql(), Catch::Contains("LIKE 'SELECT ''pgwarden-view v1 %'"));
    CHECK_THAT(published_views_sql(), Catch::Contains("usename = current_user"));
}

TEST_CASE("text that is not a whole view is no view, and says why", "[cluster][views]") {
    const std::string whole = view_query({kOwn, kRelayed});
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "track_activities is off"},
        {"<insufficient privilege>", "is not a published view"},
        {"SELECT 1", "is not a published view"},
        {whole.substr(0, whole.size() - 5), "cut at track_activity_query_size"},
        {"SELECT 'pgwarden-view v1 '", "has no rows"},
        {"SELECT 'pgwarden-view v1 1@x:1=0'", "does not start with"},
        {"SELECT 'pgwarden-view v1 1@5'", "does not start with"},
        {"SELECT 'pgwarden-view v1 1@5:1=0,2=7'", "is not <node id>=<0, -1 or -2>"},
        {"SELECT 'pgwarden-view v1 1@5:1=0,,2=0'", "is not <node id>=<0, -1 or -2>"},
        {"SELECT 'pgwarden-view v1 1@5:1=0,1=-1'", "node 1 twice"},
        {"SELECT 'pgwarden-view v1 1@5:1=0;1@6:1=0'", "node 1 has two rows"},
        {"SELECT 'pgwarden-view v2 1@5:1=0'", "is not a published view"},
    };
    for (const auto& [text, reason] : cases) {
        INFO(text);
        const auto parsed = parse_view_query(text);
        CHECK(parsed.rows.empty());
        CHECK_THAT(parsed.error, Catch::Contains(reason));
    }
}

TEST_CASE("a row older than three sweeps by the publishing server's clock is stale",
          "[cluster][views]") {
    const std::int64_t at = kOwn.at;
    CHECK(is_fresh(kOwn, at));
    CHECK(is_fresh(kOwn, at + kViewFreshSecs));
    CHECK_FALSE(is_fresh(kOwn, at + kViewFreshSecs + 1));
    // A publisher whose clock runs far ahead of the reader's says nothing about now either.
    CHECK(is_fresh(kOwn, at - kViewFreshSecs));
    CHECK_FALSE(is_fresh(kOwn, at - kViewFreshSecs - 1));

    const auto fresh = fresh_rows({kOwn, kRelayed}, kRelayed.at + kViewFreshSecs + 1);
    CHECK(fresh == std::vector<ViewRow>{kOwn});
}

TEST_CASE("the newest row of a node wins, and nodes the reader does not know are dropped",
          "[cluster][views]") {
    ViewRow older = kOwn;
    older.at -= 10;
    older.seen[2].second = kSeenUp;
    CHECK(newest_row_of({older, kRelayed, kOwn}, 1) == kOwn);
    CHECK(newest_row_of({kOwn}, 2) == std::nullopt);

    // Node 3 left repmgr.nodes (and node 9 was never in it): their cells go.
    const ViewRow seen_more{1, 5, {{1, kSeenUp}, {9, kSeenDown}, {3, kSeenUp}, {2, kSeenDown}}};
    CHECK(only_nodes(seen_more, {1, 2}).seen ==
          std::vector<std::pair<int, int>>{{1, kSeenUp}, {2, kSeenDown}});
}

TEST_CASE("the relayed rows are published only when the whole view fits", "[cluster][views]") {
    const auto whole = view_query({kOwn, kRelayed});
    const auto own_only = view_query({kOwn});
    const int just_enough = static_cast<int>(whole.size()) + 1;  // PostgreSQL keeps size - 1

    const auto all = publication(kOwn, {kRelayed}, just_enough);
    CHECK(all.query == whole);
    CHECK_FALSE(all.relayed_dropped);
    CHECK(all.fits);

    const auto cut = publication(kOwn, {kRelayed}, just_enough - 1);
    CHECK(cut.query == own_only);
    CHECK(cut.relayed_dropped);
    CHECK(cut.fits);

    const auto none = publication(kOwn, {kRelayed}, static_cast<int>(own_only.size()));
    CHECK_FALSE(none.fits);
    CHECK(publication(kOwn, {}, 1024).query == own_only);
    CHECK_FALSE(publication(kOwn, {}, 1024).relayed_dropped);
}
