// When node rejoin --force-rewind leaves pg_rewind out: an unclean data directory already on the
// rejoin target's timeline, whose crash recovery would write WAL the target never had.
#include "node_rejoin_plan.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cli::rejoin;
using pgwarden::log::Level;
using pgwarden::model::parse_lsn;
using Kind = Line::Kind;

namespace {

// A directory an earlier rejoin rewound from node 2 whose server never started: pg_control's
// minimum recovery point is on node 2's timeline 2, behind node 2's current position.
pgwarden::failover::AttachFacts rewound_from_target() {
    pgwarden::failover::AttachFacts facts;
    facts.local_system_id = facts.target_system_id = "7312345678901234567";
    facts.local_tli = 2;
    facts.local_lsn = parse_lsn("0/4164E58").value();
    facts.target_tli = 2;
    facts.target_lsn = parse_lsn("0/4170000").value();
    return facts;
}

}  // namespace

TEST_CASE("an unclean data directory on the target's timeline is not rewound") {
    const auto skipped = rewind_skipped(rewound_from_target(), true, 2);
    REQUIRE(skipped);
    CHECK(*skipped ==
          Report{{Level::notice, Kind::message,
                  "pg_rewind not executed: this node is on rejoin target node 2's timeline 2 and "
                  "not past its position"},
                 {Level::notice, Kind::detail,
                  "the data directory was not shut down cleanly (recovery point 0/4164E58); "
                  "crash recovery before pg_rewind would write WAL the rejoin target does not "
                  "have, so the node recovers as a standby instead"}});
}

TEST_CASE("pg_rewind still runs where its crash recovery cannot fork the target's timeline") {
    // Shut down cleanly: pg_rewind runs no crash recovery, and changes nothing.
    CHECK_FALSE(rewind_skipped(rewound_from_target(), false, 2));

    // A crashed former primary on the old timeline: what its crash recovery writes is on
    // timeline 1, which pg_rewind then rewinds.
    auto former_primary = rewound_from_target();
    former_primary.local_tli = 1;
    former_primary.fork_lsn = parse_lsn("0/40000A0").value();
    former_primary.local_lsn = parse_lsn("0/3000060").value();
    CHECK_FALSE(rewind_skipped(former_primary, true, 2));

    // Ahead of the target on its timeline, or of another system: refused or rewound as before.
    auto ahead = rewound_from_target();
    ahead.local_lsn = parse_lsn("0/5000000").value();
    CHECK_FALSE(rewind_skipped(ahead, true, 2));
    auto other = rewound_from_target();
    other.target_system_id = "7399999999999999999";
    CHECK_FALSE(rewind_skipped(other, true, 2));
}
