// A whole string as a number, or nothing: the one way SQL results and settings become integers.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace pgwarden::text {

// The whole of `text` as an Int in base 10; nothing for an empty string, a sign where Int has
// none, trailing characters or overflow.
template <typename Int>
std::optional<Int> parse_number(std::string_view text) {
    Int value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// parse_number into `out` (left as it was on failure); whether it parsed.
template <typename Int>
bool parse_number_into(std::string_view text, Int& out) {
    const auto parsed = parse_number<Int>(text);
    if (parsed)
        out = *parsed;
    return parsed.has_value();
}

// A number the server wrote (an integer column of a SQL result, never malformed there), or 0.
inline int number_or_zero(std::string_view text) {
    return parse_number<int>(text).value_or(0);
}

}  // namespace pgwarden::text
