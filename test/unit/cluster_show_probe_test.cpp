// probe_all asks every node at once, so a dead node costs one connect_timeout for the whole run.
#include "cluster_status.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>

using namespace pgwarden;

namespace {

std::vector<cluster::NodeRecord> records(int count) {
    std::vector<cluster::NodeRecord> nodes;
    for (int id = 1; id <= count; ++id) {
        cluster::NodeRecord node;
        node.node_id = id;
        node.node_name = "node" + std::to_string(id);
        nodes.push_back(node);
    }
    return nodes;
}

}  // namespace

TEST_CASE("every node is probed at the same time, not one after the other", "[cluster-show]") {
    // Each fake probe blocks until all five have started: a sequential prober would never finish,
    // so the barrier proves the structure without measuring time.
    constexpr int kNodes = 5;
    std::mutex mutex;
    std::condition_variable all_started;
    int started = 0;
    const auto observations = cli::probe_all(records(kNodes), [&](const cluster::NodeRecord& node) {
        std::unique_lock lock(mutex);
        ++started;
        all_started.notify_all();
        const bool together =
            all_started.wait_for(lock, std::chrono::seconds(10), [&] { return started == kNodes; });
        cli::NodeObservation obs;
        obs.reachability = together ? cli::Reachability::up : cli::Reachability::down;
        obs.timeline = node.node_id;
        return obs;
    });
    REQUIRE(observations.size() == kNodes);
    for (int i = 0; i < kNodes; ++i) {
        CHECK(observations[static_cast<std::size_t>(i)].reachability == cli::Reachability::up);
        CHECK(observations[static_cast<std::size_t>(i)].timeline == i + 1);  // input order kept
    }
}
