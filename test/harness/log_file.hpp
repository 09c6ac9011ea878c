// The log files tests read: whole, their tail for failure messages, and a bounded wait for a
// line to appear in one.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace pgwarden::test {

// The whole content of the file at `path`; "" when unreadable (not written yet).
std::string file_contents(const std::string& path);

// The last `lines` lines of a text file ("" when unreadable): for failure messages.
std::string tail_file(const std::string& path, std::size_t lines = 30);

// How many times `needle` occurs in `text`, not overlapping.
std::size_t count_occurrences(std::string_view text, std::string_view needle);

// Polls `read_log` (e.g. a daemon's log) until `needle` occurs at least `times` times in what it
// returns (-> true) or `timeout` has passed (-> false).
bool wait_for_log(const std::function<std::string()>& read_log, std::string_view needle,
                  std::chrono::milliseconds timeout, std::size_t times = 1);

}  // namespace pgwarden::test
