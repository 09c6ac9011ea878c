// PostgreSQL's synchronous_standby_names read as the server reads it (its syncrep grammar),
// matched against standbys' application_names, and written back. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::failover {

// synchronous_standby_names, parsed: "FIRST k (a, b)", "k (a, b)" and "a, b" (FIRST 1) wait for
// the first k connected listed standbys by list order; "ANY k (a, b)" for any k of them.
enum class SyncMethod { none, first, any };
struct SyncStandbyNames {
    SyncMethod method = SyncMethod::none;
    int count = 0;                   // k
    std::vector<std::string> names;  // as written, quotes removed; "*" matches every standby
};
// Nothing (and `error`) for text PostgreSQL would refuse; an empty text is SyncMethod::none.
std::optional<SyncStandbyNames> parse_sync_standby_names(std::string_view text,
                                                         std::string* error = nullptr);
// Whether `application_name` matches an entry of the list, as PostgreSQL matches it
// (case-insensitively, "*" matching all).
bool names_standby(const SyncStandbyNames& names, std::string_view application_name);
// "FIRST 1 (node2, node3)": the parsed form written back in PostgreSQL's syntax.
std::string format_sync_standby_names(const SyncStandbyNames& names);

// application_names compared as PostgreSQL compares them with the list: case-insensitively.
bool same_standby_name(std::string_view a, std::string_view b);

}  // namespace pgwarden::failover
