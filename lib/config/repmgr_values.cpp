#include "config/repmgr_values.hpp"

#include "text/ascii.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>

namespace pgwarden::config {
namespace {

using text::iequals;
using text::is_blank;

}  // namespace

ValueResult<int> parse_repmgr_int(const std::string& text, int min, int max) {
    ValueResult<int> result;
    const std::string expected = fmt::format("expected an integer >= {}", min);
    const char* begin = text.c_str();
    char* end = nullptr;
    errno = 0;
    const long parsed = std::strtol(begin, &end, 10);
    if (end == begin || errno == ERANGE) {
        result.expected = expected;
        return result;
    }
    if (parsed > max || parsed < INT_MIN) {
        result.expected = fmt::format("expected an integer from {} to {}", min, max);
        return result;
    }
    if (parsed < min) {
        result.expected = expected;
        return result;
    }
    result.value = static_cast<int>(parsed);
    if (!is_blank(end)) {
        result.note =
            fmt::format("read as {}: the text after the number is ignored, as repmgr does", parsed);
    }
    return result;
}

ValueResult<bool> parse_repmgr_bool(std::string_view text) {
    static constexpr std::array<std::string_view, 4> kTrue{"on", "true", "yes", "1"};
    static constexpr std::array<std::string_view, 4> kFalse{"off", "false", "no", "0"};
    ValueResult<bool> result;
    auto is = [text](std::string_view word) { return iequals(text, word); };
    if (std::any_of(kTrue.begin(), kTrue.end(), is))
        result.value = true;
    else if (std::any_of(kFalse.begin(), kFalse.end(), is))
        result.value = false;
    else
        result.expected = "expected on/off, true/false, yes/no or 1/0";
    return result;
}

ValueResult<TablespaceMapping> parse_tablespace_mapping(std::string_view text) {
    ValueResult<TablespaceMapping> result;
    TablespaceMapping mapping;
    std::string* side = &mapping.old_dir;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size() && text[i + 1] == '=')
            continue;  // the backslash of "\=": the '=' is kept below
        if (c == '=' && (i == 0 || text[i - 1] != '\\')) {
            if (side == &mapping.new_dir) {
                result.expected = "expected OLDDIR=NEWDIR with one '=' (write \\= inside a name)";
                return result;
            }
            side = &mapping.new_dir;
            continue;
        }
        *side += c;
    }
    if (mapping.old_dir.empty() || mapping.new_dir.empty()) {
        result.expected = "expected OLDDIR=NEWDIR";
        return result;
    }
    mapping.old_dir = canonicalize_path(mapping.old_dir);
    mapping.new_dir = canonicalize_path(mapping.new_dir);
    result.value = std::move(mapping);
    return result;
}

std::vector<std::string> parse_event_list(std::string_view text) {
    std::vector<std::string> events;
    std::string current;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ',') {
            if (!current.empty())
                events.push_back(std::move(current));
            current.clear();
        } else if (text[i] != ' ' && text[i] != '\t') {
            current += text[i];
        }
    }
    return events;
}

std::optional<std::string> check_time_with_unit(const std::string& text) {
    static constexpr std::array<std::string_view, 5> kUnits{"ms", "s", "min", "h", "d"};
    const char* begin = text.c_str();
    char* end = nullptr;
    const long parsed = std::strtol(begin, &end, 10);
    if (parsed < 0)
        return "expected a duration >= 0";
    const std::string_view unit(end);
    if (!unit.empty() && std::find(kUnits.begin(), kUnits.end(), unit) == kUnits.end())
        return "expected an integer followed by one of ms, s, min, h or d";
    return std::nullopt;
}

std::string canonicalize_path(std::string_view path) {
    if (path.empty())
        return {};
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/')
        normal.pop_back();
    return normal;
}

}  // namespace pgwarden::config
