#include "register_event_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace pgwarden::cli::reg {
namespace {

constexpr const char* kNoEvents = "no matching events found\n";
constexpr std::array<const char*, 6> kHeaders{"Node ID", "Name",      "Event",
                                              "OK",      "Timestamp", "Details"};

std::array<std::string, 6> cells(const EventRow& row) {
    return {row.node_id, row.node_name, row.event, row.successful, row.timestamp, row.details};
}

// Each cell " %-*s ", joined by '|'; the last has no trailing space (repmgr's printf layout).
void append_line(std::string& out, const std::vector<std::string>& values,
                 const std::vector<std::size_t>& widths) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            out += "|";
        out += fmt::format(" {:<{}}", values[i], widths[i]);
        if (i + 1 < values.size())
            out += " ";
    }
    out += "\n";
}

}  // namespace

std::string format_event_table(const std::vector<EventRow>& rows, bool compact) {
    if (rows.empty())
        return kNoEvents;
    const std::size_t columns = compact ? 5 : 6;
    std::vector<std::size_t> widths(columns);
    for (std::size_t i = 0; i < columns; ++i)
        widths[i] = std::string_view(kHeaders[i]).size();
    for (const auto& row : rows) {
        const auto values = cells(row);
        for (std::size_t i = 0; i < columns; ++i)
            widths[i] = std::max(widths[i], values[i].size());
    }
    std::string out;
    append_line(out, std::vector<std::string>(kHeaders.begin(), kHeaders.begin() + columns),
                widths);
    for (std::size_t i = 0; i < columns; ++i) {
        if (i > 0)
            out += "+";
        out += std::string(widths[i] + 2, '-');
    }
    out += "\n";
    for (const auto& row : rows) {
        const auto values = cells(row);
        append_line(out, std::vector<std::string>(values.begin(), values.begin() + columns),
                    widths);
    }
    out += "\n";
    return out;
}

std::string format_event_csv(const std::vector<EventRow>& rows) {
    if (rows.empty())
        return kNoEvents;
    std::string out;
    for (const auto& row : rows) {
        out += fmt::format("{},{},{},{},{}\n", row.node_id, row.node_name, row.event,
                           row.successful, row.timestamp);
    }
    return out;
}

}  // namespace pgwarden::cli::reg
