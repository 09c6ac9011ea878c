// cluster matrix / crosscheck through the database, pure part: which published row stands for a
// node, a node's published matrix, and how both fill repmgr's matrix.
#include "cluster_matrix_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cli;
using pgwarden::cluster::ViewRow;
using pgwarden::test::three_node_matrix;

namespace {

const ViewRow kRow1{1, 100, {{1, kSeenUp}, {2, kSeenUp}, {3, kSeenDown}}};
const ViewRow kRow2{2, 104, {{1, kSeenUp}, {2, kSeenUp}, {3, kSeenDown}}};
// What node1 relays of node2: node2's row of the sweep before, when node3 was still up.
const ViewRow kRow2Relayed{2, 95, {{1, kSeenUp}, {2, kSeenUp}, {3, kSeenUp}}};
const ViewRow kRow3Relayed{3, 96, {{1, kSeenUp}, {2, kSeenUp}, {3, kSeenUp}}};

}  // namespace

TEST_CASE("a published row fills its viewer's row, and unknown nodes and cells are left alone",
          "[cli][matrix][views]") {
    auto m = three_node_matrix();
    set_row(m, ViewRow{2, 1, {{1, kSeenUp}, {9, kSeenDown}, {3, kSeenDown}}});
    CHECK(m.status[1] == std::vector<int>{kSeenUp, kSeenUnknown, kSeenDown});
    set_row(m, ViewRow{9, 1, {{1, kSeenUp}}});  // a viewer not in repmgr.nodes
    CHECK(m.status[0] == std::vector<int>{kSeenUnknown, kSeenUnknown, kSeenUnknown});
    CHECK(m.status[2] == std::vector<int>{kSeenUnknown, kSeenUnknown, kSeenUnknown});
}

TEST_CASE("a node's row is its own published view, else the newest copy another node relays",
          "[cli][matrix][views]") {
    const Published published = {
        {1, {kRow1, kRow2Relayed, kRow3Relayed}},
        {2, {kRow2, ViewRow{1, 101, {}}, ViewRow{3, 90, {}}}},
    };
    CHECK(published_row(published, 2) == kRow2);
    // node1's own view wins over node2's copy, even a newer one.
    CHECK(published_row(published, 1) == kRow1);
    // node3 publishes nothing this node could read: the newest relayed copy.
    CHECK(published_row(published, 3) == kRow3Relayed);
    CHECK(published_row(published, 4) == std::nullopt);
}

TEST_CASE("a node's published matrix has its rows, relayed ones at their newest copy",
          "[cli][matrix][views]") {
    const Published published = {
        {1, {kRow1, kRow2Relayed}},
        {2, {kRow2, kRow1}},
        {3, {}},  // reached, but no daemon publishes there
    };
    CHECK(published_matrix(published, 1) == std::vector<ViewRow>{kRow1, kRow2});
    CHECK(published_matrix(published, 3) == std::nullopt);
    CHECK(published_matrix(published, 4) == std::nullopt);

    // The crosscheck of those two matrices: node3 down for both, its own row unknown.
    Cube cube(3, three_node_matrix());
    read_published_matrix(cube, 1, *published_matrix(published, 1));
    read_published_matrix(cube, 2, *published_matrix(published, 2));
    const auto merged = cross_check(cube);
    CHECK(merged.status[0] == std::vector<int>{kSeenUp, kSeenUp, kSeenDown});
    CHECK(merged.status[1] == std::vector<int>{kSeenUp, kSeenUp, kSeenDown});
    CHECK(merged.status[2] == std::vector<int>{kSeenUnknown, kSeenUnknown, kSeenUnknown});
    CHECK(matrix_exit_code(merged, false, 0) == 25);
}
