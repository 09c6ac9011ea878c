// The daemon's small state files (the lease, the replication record) are "key=value" lines: this
// splits them once for every reader. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::text {

struct KeyValueLine {
    int number = 0;  // 1-based, for error messages
    std::string_view line;
    std::string_view key;
    std::string_view value;  // everything after the first '='
};

// Every non-empty line of `text`; nothing (and `error`: "line N: ...") at the first line without
// '='. The views point into `text`.
std::optional<std::vector<KeyValueLine>> key_value_lines(std::string_view text, std::string* error);

}  // namespace pgwarden::text
