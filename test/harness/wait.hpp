// Bounded polling: every wait in a test has a deadline.
#pragma once

#include <chrono>
#include <functional>

namespace pgwarden::test {

// Calls `condition` every `interval` until it returns true (-> true) or `timeout` has passed
// (-> false, after one last try at the deadline). Exceptions from `condition` propagate; wrap
// calls that may fail while a server is still starting.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(100));

}  // namespace pgwarden::test
