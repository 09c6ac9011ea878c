// One thread per item: asking every node of a cluster at once, so the slowest node sets the
// time, not the sum of all of them.
#pragma once

#include <future>
#include <vector>

namespace pgwarden::exec {

// Runs fn on every item at once, one thread each, and returns the results in items' order. fn
// must bound its own time (connect_timeout, statement_timeout).
template <typename Item, typename Fn>
auto in_parallel(const std::vector<Item>& items, Fn fn) {
    using Out = decltype(fn(items.front()));
    std::vector<std::future<Out>> pending;
    pending.reserve(items.size());
    for (const auto& item : items)
        pending.push_back(std::async(std::launch::async, [&fn, &item] { return fn(item); }));
    std::vector<Out> results;
    results.reserve(items.size());
    for (auto& future : pending)
        results.push_back(future.get());
    return results;
}

}  // namespace pgwarden::exec
