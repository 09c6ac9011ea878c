// cluster matrix / crosscheck's pure part: reading each node's CSV, merging the views, repmgr's
// table and exit codes.
#include "cluster_matrix_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cli;
using pgwarden::test::three_node_matrix;

namespace {}  // namespace

TEST_CASE("a node's cluster show --csv fills its row: down is -1, anything else up") {
    auto m = three_node_matrix();
    std::vector<std::string> problems;
    CHECK(read_show_csv(m, 2, "1,0,0\n2,0,1\n3,-1,-1\n", problems));
    CHECK(problems.empty());
    CHECK(m.status[1] == std::vector<int>{0, 0, -1});
    CHECK(m.status[0] == std::vector<int>{-2, -2, -2});
    // An id the matrix does not know is ignored.
    CHECK(read_show_csv(m, 1, "9,0,0\n1,0,0\n2,0,1\n", problems));
    CHECK(m.status[0] == std::vector<int>{0, 0, -2});
}

TEST_CASE("output that is not cluster show's CSV is reported line by line, as repmgr does") {
    auto m = three_node_matrix();
    std::vector<std::string> problems;
    CHECK_FALSE(read_show_csv(m, 2, "1,0,0\nERROR: boom\n", problems));
    REQUIRE(problems.size() == 2);  // the bad line, then the missing third line
    CHECK(problems[0] ==
          "unable to parse --csv output for node 2; output returned was:\n\"ERROR: boom\n\"");
    CHECK(problems[1] == "unable to parse --csv output for node 2; output returned was:\n\"\"");
    // repmgr marks the node of the last good line unknown again.
    CHECK(m.status[1][0] == -2);
}

TEST_CASE("crosscheck takes the best view of each cell over all the nodes' matrices") {
    Cube cube(3, three_node_matrix());
    CHECK(read_matrix_csv(cube, 1,
                          "1,1,0\n1,2,0\n1,3,-1\n2,1,-2\n2,2,-2\n2,3,-2\n3,1,-2\n3,2,-2\n"
                          "3,3,-2\n"));
    CHECK(read_matrix_csv(cube, 2,
                          "1,1,-2\n1,2,-2\n1,3,-2\n2,1,0\n2,2,0\n2,3,0\n3,1,-2\n3,2,-2\n"
                          "3,3,-2\n"));
    CHECK_FALSE(read_matrix_csv(cube, 3, "garbage"));
    const auto merged = cross_check(cube);
    CHECK(merged.status[0] == std::vector<int>{0, 0, -1});
    CHECK(merged.status[1] == std::vector<int>{0, 0, 0});
    CHECK(merged.status[2] == std::vector<int>{-2, -2, -2});
    CHECK(format_matrix_table(merged) ==
          " Name  | ID | 1 | 2 | 3\n"
          "-------+----+---+---+---\n"
          " node1 | 1  | * | * | x \n"
          " node2 | 2  | * | * | * \n"
          " node3 | 3  | ? | ? | ? \n");
    CHECK(format_matrix_csv(merged).substr(0, 18) == "1,1,0\n1,2,0\n1,3,-1");
}

TEST_CASE("exit codes: 25 for a node seen down, unknown counting only in matrix --csv") {
    auto m = three_node_matrix();
    for (auto& row : m.status)
        row = {0, 0, 0};
    CHECK(matrix_exit_code(m, false, 0) == 0);
    CHECK(matrix_exit_code(m, false, 12) == 12);
    m.status[2] = {-2, -2, -2};
    CHECK(matrix_exit_code(m, false, 12) == 12);
    CHECK(matrix_exit_code(m, true, 12) == 25);
    m.status[0][2] = -1;
    CHECK(matrix_exit_code(m, false, 0) == 25);
}
