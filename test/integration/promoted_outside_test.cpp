// A standby promoted behind pgwardend's back (pg_ctl promote while the primary runs): its daemon
// notices, switches to primary monitoring and records why, and the fencing rules settle the two
// primaries through the leases: the old one is superseded, the new one earns its first lease,
// and the probe never has two leases valid for a primary at once.
#include "daemon_cluster.hpp"
#include "wait.hpp"

#include "failover/lease.hpp"
#include "lease/lease_file.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;
using pgwarden::failover::LeaseVerdict;

namespace {

// The probe's rule, without its fencing modes: this node's primary lease, of this boot, not run
// out.
bool valid_for_primary(const DaemonCluster& dc, int i) {
    const auto look = pgwarden::lease::look_at_lease(dc.lease_file(i));
    return look.lease && look.lease->node_id == i && look.lease->verdict == LeaseVerdict::primary &&
           look.lease->boot_id == pgwarden::lease::boot_id() &&
           look.lease->valid_until_ms > pgwarden::lease::monotonic_ms();
}

std::optional<pgwarden::failover::Lease> lease_of(const DaemonCluster& dc, int i) {
    return pgwarden::lease::look_at_lease(dc.lease_file(i)).lease;
}

bool logged(const DaemonCluster& dc, int i, const std::string& text) {
    return dc.daemon_log(i).find(text) != std::string::npos;
}

// Waits (bounded) for node i's daemon to log `text`; the logs go with a failure.
void require_logged(const DaemonCluster& dc, int i, const std::string& text,
                    std::chrono::seconds timeout) {
    const bool seen = wait_until([&] { return logged(dc, i, text); }, timeout);
    INFO("node" << i << "'s daemon never logged: " << text << "\n" << dc.all_logs());
    REQUIRE(seen);
}

}  // namespace

TEST_CASE("a standby promoted by hand is monitored as a primary and earns its lease like one",
          "[daemon][fencing]") {
    DaemonCluster dc;
    dc.start_daemons();
    auto& cluster = dc.cluster();
    {
        const bool renewed = wait_until([&] { return valid_for_primary(dc, 1); }, 20s);
        INFO("node1's lease was never renewed\n" << dc.all_logs());
        REQUIRE(renewed);
    }

    // node1 stays up: for a while there are two primaries, on timelines 1 and 2.
    cluster.promote(2);
    REQUIRE_FALSE(cluster.is_in_recovery(1));
    require_logged(dc, 2,
                   "this node was promoted outside pgwardend (pg_is_in_recovery() is false on "
                   "the local node): switching to primary monitoring",
                   20s);
    // Switched, its lease says no primary: it holds none from an election.
    const auto switched = lease_of(dc, 2);
    REQUIRE(switched);
    CHECK(switched->verdict != LeaseVerdict::primary);
    CHECK_THAT(switched->reason, Catch::Contains("promoted outside pgwardend"));

    // Sampled over the bounded wait: never both valid for a primary; node1 is superseded (node2
    // is on a later timeline) and node2 gets a lease once its standing is confirmed and node1's
    // last lease has run out.
    int samples = 0;
    int both_valid = 0;
    bool node2_unearned_seen = false;
    int settled_samples = 0;
    const bool settled = wait_until(
        [&] {
            ++samples;
            const bool one = valid_for_primary(dc, 1);
            const bool two = valid_for_primary(dc, 2);
            if (one && two)
                ++both_valid;
            if (!two)
                node2_unearned_seen = true;
            const auto lease1 = lease_of(dc, 1);
            if (two && lease1 && lease1->verdict == LeaseVerdict::fenced)
                ++settled_samples;
            // A few samples more once settled: it stays so.
            return settled_samples >= 10;
        },
        40s, 50ms);
    INFO(dc.all_logs());
    REQUIRE(settled);
    CHECK(samples > settled_samples);
    CHECK(both_valid == 0);
    CHECK(node2_unearned_seen);
    CHECK(logged(dc, 1, "another node was promoted after this one"));
    const auto earned = lease_of(dc, 2);
    REQUIRE(earned);
    CHECK(earned->verdict == LeaseVerdict::primary);
    // Renewed by a standing check: the majority it saw.
    CHECK_THAT(earned->reason, Catch::Contains("nodes seen"));

    // Why, recorded on node2 (writable now) and passed to event_notification_command.
    CHECK(dc.wait_event(2, 2, "pgwarden_promoted_outside", 10s));
    CHECK(dc.notified(2, "2 pgwarden_promoted_outside 1"));
}

TEST_CASE(
    "a promote_command that fails after promoting PostgreSQL leaves a primary monitored "
    "as one",
    "[daemon][fencing]") {
    DaemonClusterOptions options;
    // node2 wins on priority; its promote_command promotes, then reports a failure.
    options.extra_conf = [](int i) -> std::vector<std::string> {
        if (i == 3)
            return {"priority=50"};
        return {};
    };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    const auto conf2 = dc.conf(2);
    {
        std::ofstream out(conf2, std::ios::app);
        out << fmt::format("promote_command='{}/pg_ctl -D {} -w promote; exit 3'\n",
                           PgCluster::kBinDir, cluster.node(2).data_dir);
    }
    dc.start_daemons();
    for (int i = 2; i <= 3; ++i)
        cluster.wait_caught_up(i, 1);

    cluster.kill9(1);
    require_logged(dc, 2,
                   "this node was promoted outside pgwardend (promote_command returned 3, but "
                   "the local node is out of recovery): switching to primary monitoring",
                   40s);
    INFO(dc.all_logs());
    CHECK(logged(dc, 2, "promotion failed: promote_command returned 3"));
    CHECK(dc.wait_event(2, 2, "pgwarden_promoted_outside", 10s));
    CHECK(dc.notified(2, "2 pgwarden_promoted_outside 1"));
    // Not a failed promotion: the node is a primary, and monitored as one.
    CHECK_FALSE(dc.has_event(2, 2, "repmgrd_promote_error"));
    // node1 is gone, node3 answers: 2 of 3, its standing is confirmed and the lease follows.
    CHECK(wait_until([&] { return valid_for_primary(dc, 2); }, 20s));
}
