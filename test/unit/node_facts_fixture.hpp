// The facts of a healthy streaming standby, node2 under node1, which the node check tests vary.
#pragma once

#include "node_check.hpp"

namespace pgwarden::cli::test {

inline NodeFacts standby_facts() {
    NodeFacts facts;
    facts.node_id = 2;
    facts.node_name = "node2";
    facts.type = model::NodeType::standby;
    facts.in_recovery = true;
    facts.lag_seconds = 0;
    facts.ready_archive_files = 0;
    facts.upstream_name = "node1";
    facts.upstream_id = 1;
    facts.attached_to_upstream = true;
    facts.configured_data_directory = "/srv/pg/data";
    facts.can_read_settings = true;
    facts.actual_data_directory = "/srv/pg/data";
    facts.configured_is_pg_dir = true;
    return facts;
}

}  // namespace pgwarden::cli::test
