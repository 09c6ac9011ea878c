#include "exec/in_parallel.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::exec::in_parallel;
using Clock = std::chrono::steady_clock;

namespace {

// A fake node: how long its worker takes to answer, and what it answers.
struct FakeNode {
    int id = 0;
    std::chrono::milliseconds answers_after{0};
};

std::string not_visible(const FakeNode& node) {
    return "node " + std::to_string(node.id) + " not visible";
}

// Waits (bounded) until `done` reaches `expected`: a late worker's end, seen from outside.
bool wait_for(const std::atomic<int>& done, int expected, std::chrono::milliseconds bound) {
    const auto until = Clock::now() + bound;
    while (done.load() < expected) {
        if (Clock::now() >= until)
            return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

}  // namespace

TEST_CASE("workers that finish within the limit give their results in items' order",
          "[in_parallel]") {
    const std::vector<FakeNode> nodes{{1, 30ms}, {2, 0ms}, {3, 10ms}};
    const auto results = in_parallel(
        nodes, 2s,
        [](const FakeNode& node) {
            std::this_thread::sleep_for(node.answers_after);
            return "node " + std::to_string(node.id);
        },
        not_visible);
    CHECK(results == std::vector<std::string>{"node 1", "node 2", "node 3"});
}

TEST_CASE("a worker past the limit counts as failed and the caller does not wait for it",
          "[in_parallel]") {
    const std::vector<FakeNode> nodes{{1, 0ms}, {2, 1500ms}, {3, 5ms}};
    auto late_done = std::make_shared<std::atomic<int>>(0);
    const auto started = Clock::now();
    const auto results = in_parallel(
        nodes, 100ms,
        // Captures by value only: the slow worker outlives this call.
        [late_done](const FakeNode& node) {
            std::this_thread::sleep_for(node.answers_after);
            if (node.answers_after > 1s)
                ++*late_done;
            return "node " + std::to_string(node.id);
        },
        not_visible);
    const auto took = Clock::now() - started;
    CHECK(results == std::vector<std::string>{"node 1", "node 2 not visible", "node 3"});
    CHECK(took >= 100ms);
    CHECK(took < 1000ms);
    CHECK(late_done->load() == 0);
    // The slow worker runs to its end on its own; its result is dropped.
    CHECK(wait_for(*late_done, 1, 5s));
}

TEST_CASE("a limit passing with no worker finished gives every failure value", "[in_parallel]") {
    const std::vector<FakeNode> nodes{{1, 400ms}, {2, 400ms}};
    auto ended = std::make_shared<std::atomic<int>>(0);
    const auto results = in_parallel(
        nodes, 20ms,
        [ended](const FakeNode& node) {
            std::this_thread::sleep_for(node.answers_after);
            ++*ended;
            return node.id;
        },
        [](const FakeNode& node) { return -node.id; });
    CHECK(results == std::vector<int>{-1, -2});
    CHECK(wait_for(*ended, 2, 5s));
}

TEST_CASE("a worker that throws within the limit makes the bounded call throw", "[in_parallel]") {
    const std::vector<FakeNode> nodes{{1, 0ms}, {2, 0ms}};
    CHECK_THROWS_WITH(in_parallel(
                          nodes, 2s,
                          [](const FakeNode& node) -> int {
                              if (node.id == 2)
                                  throw std::runtime_error("node 2 broke");
                              return node.id;
                          },
                          [](const FakeNode&) { return 0; }),
                      "node 2 broke");
}

TEST_CASE("no items, no threads and no wait", "[in_parallel]") {
    const std::vector<FakeNode> none;
    const auto started = Clock::now();
    const auto results = in_parallel(
        none, 5s, [](const FakeNode& node) { return node.id; }, [](const FakeNode&) { return 0; });
    CHECK(results.empty());
    CHECK(Clock::now() - started < 1s);
}
