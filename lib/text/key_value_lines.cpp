#include "text/key_value_lines.hpp"

#include <fmt/format.h>

namespace pgwarden::text {

std::optional<std::vector<KeyValueLine>> key_value_lines(std::string_view text,
                                                         std::string* error) {
    std::vector<KeyValueLine> lines;
    int number = 0;
    while (!text.empty()) {
        ++number;
        const auto end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.empty())
            continue;
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            if (error != nullptr)
                *error = fmt::format("line {}: \"{}\" is not key=value", number, line);
            return std::nullopt;
        }
        lines.push_back({number, line, line.substr(0, equals), line.substr(equals + 1)});
    }
    return lines;
}

}  // namespace pgwarden::text
