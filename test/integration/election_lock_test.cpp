// The election lock against real PostgreSQL: candidates that all believe they won, at the same
// instant, and exactly one may promote.
#include "pg_cluster.hpp"

#include "cluster_io.hpp"
#include "election_io.hpp"

#include <catch2/catch.hpp>

#include <barrier>
#include <thread>

using namespace std::chrono_literals;
using namespace pgwarden;
using pgwarden::test::PgCluster;

TEST_CASE("of three candidates locking at the same instant exactly one wins", "[daemon]") {
    PgCluster cluster(4);  // node1 the primary (gone, for the election), node2..4 the candidates
    std::vector<cluster::NodeRecord> voters;
    std::vector<config::RepmgrConfig> configs;
    for (int i = 2; i <= 4; ++i) {
        cluster::NodeRecord record;
        record.node_id = i;
        record.node_name = cluster.node(i).name;
        record.conninfo = cluster.node(i).conninfo();
        record.type = model::NodeType::standby;
        voters.push_back(record);
        config::RepmgrConfig config;
        config.node_id = i;
        config.conninfo = record.conninfo;
        configs.push_back(config);
    }

    for (int round = 0; round < 10; ++round) {
        std::vector<daemon::ElectionRun> runs(configs.size());
        std::barrier start(static_cast<std::ptrdiff_t>(configs.size()));
        std::vector<std::thread> candidates;
        for (std::size_t c = 0; c < configs.size(); ++c)
            candidates.emplace_back([&, c] {
                start.arrive_and_wait();
                runs[c] = daemon::take_election_lock(configs[c], voters, 3);
            });
        for (auto& candidate : candidates)
            candidate.join();

        int winners = 0;
        for (const auto& run : runs)
            if (run.outcome.verdict == failover::Verdict::won && run.locks) {
                ++winners;
                CHECK(run.locks->sessions.size() == 3);
            }
        INFO("round " << round);
        CHECK(winners == 1);
        // The locks go with the winner's sessions: the next round starts free.
    }

    // While a winner holds the lock, a latecomer cannot win, even alone.
    auto holder = daemon::take_election_lock(configs[0], voters, 3);
    REQUIRE(holder.locks);
    const auto late = daemon::take_election_lock(configs[1], voters, 3);
    CHECK(late.outcome.verdict == failover::Verdict::lost);
    CHECK_FALSE(late.locks);
    holder.locks.reset();
    CHECK(daemon::take_election_lock(configs[1], voters, 3).locks);
}
