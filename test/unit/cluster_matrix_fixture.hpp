// The matrix both cluster matrix tests start from: nodes 1..3, nothing known yet.
#pragma once

#include "cluster_matrix.hpp"

namespace pgwarden::test {

inline cli::Matrix three_node_matrix() {
    return cli::empty_matrix({1, 2, 3}, {"node1", "node2", "node3"});
}

}  // namespace pgwarden::test
