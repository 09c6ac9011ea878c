// One fmt formatter for the vocabulary types that print as a text of their own.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace pgwarden::model {

// fmt::formatter<T> for a T printed as `to_text(value)`, with string_view's format options.
template <typename T, auto to_text>
struct TextFormatter : fmt::formatter<std::string_view> {
    template <typename FormatContext>
    auto format(const T& value, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(to_text(value), ctx);
    }
};

}  // namespace pgwarden::model
