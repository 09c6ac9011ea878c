// Case-insensitive comparison of ASCII words (configuration keywords, HTTP tokens), and blank
// text: the locale's tolower/isspace would let a Turkish locale change what a keyword means.
#pragma once

#include <string_view>

namespace pgwarden::text {

constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    }
    return true;
}

// Empty, or only spaces, tabs, newlines, carriage returns, vertical tabs and form feeds.
constexpr bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\n\r\v\f") == std::string_view::npos;
}

}  // namespace pgwarden::text
