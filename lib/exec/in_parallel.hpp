// One thread per item: asking every node of a cluster at once, so the slowest node sets the
// time, not the sum of all of them; and, with a time limit, not even the slowest one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
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

namespace detail {

// What the workers of one bounded call share with it; the last of them to finish frees it.
template <typename Item, typename Fn, typename Out>
struct ParallelRun {
    ParallelRun(std::vector<Item> items_in, Fn fn_in)
        : items(std::move(items_in)),
          fn(std::move(fn_in)),
          results(items.size()),
          errors(items.size()) {}

    const std::vector<Item> items;
    const Fn fn;
    std::mutex mutex;
    std::condition_variable finished_one;
    std::vector<std::optional<Out>> results;
    std::vector<std::exception_ptr> errors;
    std::size_t finished = 0;
};

}  // namespace detail

// Runs fn on every item at once, one thread each, for at most `limit`: the result of a worker
// not finished by then is failed(item) (e.g. the node's view marked not visible), and the call
// returns without it. A worker that throws before the limit makes this call throw.
//
// A late worker is left running, not waited for: a thread blocked in the kernel (a query to a
// silent peer) cannot be cancelled, and waiting for it is what the limit is for. So workers must
// not touch the caller's frame, which may be gone when they return: items and fn are copied
// into state the workers share, which the last one frees, and a late result lands there
// unseen. fn must capture by value what it uses (a copy of the configuration, never a
// reference to a local). Late threads are as many as calls that timed out and live as long as
// fn can block: with daemon_conninfo's keepalives, connect_timeout plus the silence budget per
// conversation, so they do not pile up.
template <typename Item, typename Fn, typename Failed>
auto in_parallel(const std::vector<Item>& items, std::chrono::steady_clock::duration limit, Fn fn,
                 Failed failed) {
    using Out = decltype(fn(items.front()));
    using Run = detail::ParallelRun<Item, Fn, Out>;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const auto run = std::make_shared<Run>(items, std::move(fn));
    for (std::size_t i = 0; i < items.size(); ++i) {
        std::thread([run, i] {
            std::optional<Out> out;
            std::exception_ptr error;
            try {
                out.emplace(run->fn(run->items[i]));
            } catch (...) {
                error = std::current_exception();
            }
            const std::lock_guard lock(run->mutex);
            run->results[i] = std::move(out);
            run->errors[i] = error;
            ++run->finished;
            run->finished_one.notify_all();
        }).detach();
    }
    std::unique_lock lock(run->mutex);
    run->finished_one.wait_until(lock, deadline,
                                 [&run] { return run->finished == run->items.size(); });
    std::vector<Out> results;
    results.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (run->errors[i])
            std::rethrow_exception(run->errors[i]);
        if (run->results[i])
            results.push_back(std::move(*run->results[i]));
        else
            results.push_back(failed(items[i]));
    }
    return results;
}

}  // namespace pgwarden::exec
