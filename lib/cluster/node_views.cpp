#include "cluster/node_views.hpp"

#include "text/parse_number.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace pgwarden::cluster {
namespace {

constexpr std::string_view kPrefix = "SELECT 'pgwarden-view v1 ";
constexpr std::string_view kSuffix = "'";

// Splits `text` at each `separator`; an empty text gives no pieces.
std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> pieces;
    if (text.empty())
        return pieces;
    for (;;) {
        const auto at = text.find(separator);
        pieces.push_back(text.substr(0, at));
        if (at == std::string_view::npos)
            return pieces;
        text.remove_prefix(at + 1);
    }
}

// "<a><separator><b>" as two numbers.
template <typename A, typename B>
std::optional<std::pair<A, B>> number_pair(std::string_view text, char separator) {
    const auto at = text.find(separator);
    if (at == std::string_view::npos)
        return std::nullopt;
    const auto a = text::parse_number<A>(text.substr(0, at));
    const auto b = text::parse_number<B>(text.substr(at + 1));
    if (!a || !b)
        return std::nullopt;
    return std::make_pair(*a, *b);
}

bool is_status(int status) {
    return status == kSeenUp || status == kSeenDown || status == kSeenUnknown;
}

// One "<viewer>@<at>:<id>=<status>,..." row, or why it is not one.
std::optional<ViewRow> parse_row(std::string_view text, std::string& error) {
    const auto colon = text.find(':');
    const auto head = number_pair<int, std::int64_t>(text.substr(0, colon), '@');
    if (colon == std::string_view::npos || !head) {
        error = fmt::format("\"{}\" does not start with <viewer id>@<epoch seconds>:", text);
        return std::nullopt;
    }
    ViewRow row{head->first, head->second, {}};
    for (const auto cell : split(text.substr(colon + 1), ',')) {
        const auto seen = number_pair<int, int>(cell, '=');
        if (!seen || !is_status(seen->second)) {
            error = fmt::format("node {}'s cell \"{}\" is not <node id>=<0, -1 or -2>", row.viewer,
                                cell);
            return std::nullopt;
        }
        const bool repeated = std::any_of(row.seen.begin(), row.seen.end(),
                                          [&](const auto& s) { return s.first == seen->first; });
        if (repeated) {
            error = fmt::format("node {}'s row has node {} twice", row.viewer, seen->first);
            return std::nullopt;
        }
        row.seen.push_back(*seen);
    }
    return row;
}

std::string encode_row(const ViewRow& row) {
    std::string text = fmt::format("{}@{}:", row.viewer, row.at);
    for (std::size_t i = 0; i < row.seen.size(); ++i)
        text += fmt::format("{}{}={}", i == 0 ? "" : ",", row.seen[i].first, row.seen[i].second);
    return text;
}

}  // namespace

std::string view_query(const std::vector<ViewRow>& rows) {
    std::string text(kPrefix);
    for (std::size_t i = 0; i < rows.size(); ++i)
        text += (i == 0 ? "" : ";") + encode_row(rows[i]);
    text += kSuffix;
    return text;
}

ParsedView parse_view_query(std::string_view query) {
    ParsedView parsed;
    if (query.empty()) {
        parsed.error = "the query text is empty (track_activities is off)";
        return parsed;
    }
    if (query.substr(0, kPrefix.size()) != kPrefix) {
        parsed.error = fmt::format("\"{}\" is not a published view", query.substr(0, 60));
        return parsed;
    }
    if (query.size() < kPrefix.size() + kSuffix.size() ||
        query.substr(query.size() - kSuffix.size()) != kSuffix) {
        parsed.error = "the view does not end where it should (cut at track_activity_query_size?)";
        return parsed;
    }
    const auto body = query.substr(kPrefix.size(), query.size() - kPrefix.size() - kSuffix.size());
    for (const auto text : split(body, ';')) {
        auto row = parse_row(text, parsed.error);
        if (!row) {
            parsed.rows.clear();
            return parsed;
        }
        if (newest_row_of(parsed.rows, row->viewer)) {
            parsed.error = fmt::format("node {} has two rows", row->viewer);
            parsed.rows.clear();
            return parsed;
        }
        parsed.rows.push_back(std::move(*row));
    }
    if (parsed.rows.empty())
        parsed.error = "the view has no rows";
    return parsed;
}

bool is_fresh(const ViewRow& row, std::int64_t now) {
    return row.at >= now - kViewFreshSecs && row.at <= now + kViewFreshSecs;
}

std::vector<ViewRow> fresh_rows(const std::vector<ViewRow>& rows, std::int64_t now) {
    std::vector<ViewRow> fresh;
    std::copy_if(rows.begin(), rows.end(), std::back_inserter(fresh),
                 [now](const ViewRow& row) { return is_fresh(row, now); });
    return fresh;
}

std::optional<ViewRow> newest_row_of(const std::vector<ViewRow>& rows, int viewer) {
    std::optional<ViewRow> newest;
    for (const auto& row : rows)
        if (row.viewer == viewer && (!newest || row.at > newest->at))
            newest = row;
    return newest;
}

ViewRow only_nodes(ViewRow row, const std::vector<int>& ids) {
    std::erase_if(row.seen, [&ids](const auto& seen) {
        return std::find(ids.begin(), ids.end(), seen.first) == ids.end();
    });
    return row;
}

Publication publication(const ViewRow& own, const std::vector<ViewRow>& relayed,
                        int track_activity_query_size) {
    const auto fits = [track_activity_query_size](const std::string& query) {
        return static_cast<long long>(query.size()) <= track_activity_query_size - 1LL;
    };
    std::vector<ViewRow> rows{own};
    rows.insert(rows.end(), relayed.begin(), relayed.end());
    Publication out{view_query(rows), false, true};
    if (fits(out.query))
        return out;
    out.query = view_query({own});
    out.relayed_dropped = !relayed.empty();
    out.fits = fits(out.query);
    return out;
}

std::string published_views_sql() {
    std::string prefix;  // as an SQL literal's content: its quote doubled
    for (const char c : kPrefix)
        prefix += c == '\'' ? std::string("''") : std::string(1, c);
    return fmt::format(
        "SELECT query, pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.now()))::bigint"
        "  FROM pg_catalog.pg_stat_activity"
        " WHERE backend_type = 'client backend' AND state = 'idle' AND query LIKE '{}%'"
        "   AND usename = current_user",
        prefix);
}

}  // namespace pgwarden::cluster
