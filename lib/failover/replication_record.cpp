#include "failover/replication_record.hpp"

#include "text/key_value_lines.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgwarden::failover {
namespace {

// A value on one line of the record: a newline would start a forged entry.
std::string one_line(std::string_view value) {
    std::string line(value);
    std::replace(line.begin(), line.end(), '\n', ' ');
    return line;
}

}  // namespace

std::optional<std::string> fresh_sync_state(const ReplicationRecord& record,
                                            std::string_view boot_id, std::int64_t now_ms) {
    if (!record.snapshot || record.node_name.empty() || record.snapshot->boot_id != boot_id ||
        now_ms >= record.snapshot->valid_until_ms)
        return std::nullopt;
    return sync_state_of(*record.snapshot, record.node_name);
}

std::string format_replication_record(const ReplicationRecord& record) {
    std::string text;
    if (!record.node_name.empty())
        text += fmt::format("node_name={}\n", one_line(record.node_name));
    if (record.snapshot) {
        const auto& s = *record.snapshot;
        text += fmt::format(
            "primary_node_id={}\nsynchronous_standby_names={}\nsynchronous_commit={}\n"
            "primary_lsn={}\nseen_unix={}\nboot_id={}\nseen_ms={}\nvalid_until_ms={}\n",
            s.primary_node_id, one_line(s.standby_names), one_line(s.synchronous_commit),
            s.primary_lsn, s.seen_unix, one_line(s.boot_id), s.seen_ms, s.valid_until_ms);
        for (const auto& standby : s.standbys)
            text += fmt::format("{}={},{},{}\n", standby.departed ? "departed_standby" : "standby",
                                standby.sync_state,
                                standby.flush_lsn ? std::to_string(*standby.flush_lsn) : "",
                                one_line(standby.application_name));
    }
    if (!record.election_refusal.empty())
        text += fmt::format("election_refusal={}\n", one_line(record.election_refusal));
    return text;
}

namespace {

// "state,lsn,name": the name last, since an application_name may hold commas.
std::optional<StandbySeen> parse_standby(std::string_view value) {
    const auto first = value.find(',');
    if (first == std::string_view::npos)
        return std::nullopt;
    const auto second = value.find(',', first + 1);
    if (second == std::string_view::npos)
        return std::nullopt;
    StandbySeen seen;
    seen.sync_state = std::string(value.substr(0, first));
    const auto lsn = value.substr(first + 1, second - first - 1);
    if (!lsn.empty()) {
        const auto parsed = text::parse_number<std::uint64_t>(lsn);
        if (!parsed)
            return std::nullopt;
        seen.flush_lsn = *parsed;
    }
    seen.application_name = std::string(value.substr(second + 1));
    return seen;
}

}  // namespace

std::optional<ReplicationRecord> parse_replication_record(std::string_view text,
                                                          std::string* error) {
    ReplicationRecord record;
    SyncSnapshot snapshot;
    bool have_primary = false;
    const auto lines = text::key_value_lines(text, error);
    if (!lines)
        return std::nullopt;
    for (const auto& [line_number, line, key, value] : *lines) {
        bool ok = true;
        if (key == "primary_node_id") {
            ok = have_primary = text::parse_number_into(value, snapshot.primary_node_id);
        } else if (key == "synchronous_standby_names") {
            snapshot.standby_names = std::string(value);
        } else if (key == "synchronous_commit") {
            snapshot.synchronous_commit = std::string(value);
        } else if (key == "primary_lsn") {
            ok = text::parse_number_into(value, snapshot.primary_lsn);
        } else if (key == "seen_unix") {
            ok = text::parse_number_into(value, snapshot.seen_unix);
        } else if (key == "boot_id") {
            snapshot.boot_id = std::string(value);
        } else if (key == "seen_ms") {
            ok = text::parse_number_into(value, snapshot.seen_ms);
        } else if (key == "valid_until_ms") {
            ok = text::parse_number_into(value, snapshot.valid_until_ms);
        } else if (key == "node_name") {
            record.node_name = std::string(value);
        } else if (key == "standby" || key == "departed_standby") {
            auto standby = parse_standby(value);
            ok = standby.has_value();
            if (ok) {
                standby->departed = key == "departed_standby";
                snapshot.standbys.push_back(std::move(*standby));
            }
        } else if (key == "election_refusal") {
            record.election_refusal = std::string(value);
        }  // unknown keys: written by a newer daemon, ignored
        if (!ok) {
            if (error != nullptr)
                *error = fmt::format("line {}: \"{}\" is not a valid entry", line_number, line);
            return std::nullopt;
        }
    }
    if (have_primary)
        record.snapshot = std::move(snapshot);
    return record;
}

}  // namespace pgwarden::failover
