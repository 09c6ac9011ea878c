#include "failover/sync_replication.hpp"

#include "model/lsn.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgwarden::failover {
namespace {

std::string describe_lsn(std::uint64_t lsn) {
    return model::format_lsn(model::Lsn(lsn));
}

}  // namespace

std::optional<SyncMode> parse_sync_mode(std::string_view text) {
    for (const auto mode : {SyncMode::off, SyncMode::on, SyncMode::strict})
        if (text == sync_mode_name(mode))
            return mode;
    return std::nullopt;
}

std::string_view sync_mode_name(SyncMode mode) {
    switch (mode) {
        case SyncMode::off:
            return "off";
        case SyncMode::on:
            return "on";
        case SyncMode::strict:
            return "strict";
    }
    return "off";
}

std::optional<std::string> sync_state_of(const SyncSnapshot& snapshot,
                                         std::string_view application_name) {
    for (const auto& standby : snapshot.standbys)
        if (!standby.departed && same_standby_name(standby.application_name, application_name))
            return standby.sync_state;
    return std::nullopt;
}

SyncSnapshot keep_departed_sync_standbys(const std::optional<SyncSnapshot>& previous,
                                         SyncSnapshot next) {
    if (!previous || previous->primary_node_id != next.primary_node_id)
        return next;
    const auto names = parse_sync_standby_names(next.standby_names);
    if (!names || names->method == SyncMethod::none)
        return next;
    const auto* waited_state = names->method == SyncMethod::any ? "quorum" : "sync";
    const auto acknowledging =
        std::count_if(next.standbys.begin(), next.standbys.end(),
                      [&](const StandbySeen& seen) { return seen.sync_state == waited_state; });
    if (acknowledging >= names->count)
        return next;  // commits go on without the departed ones: they fall behind
    auto streams_now = [&](const std::string& name) {
        return std::any_of(next.standbys.begin(), next.standbys.end(), [&](const StandbySeen& s) {
            return same_standby_name(s.application_name, name);
        });
    };
    for (const auto& seen : previous->standbys) {
        if ((seen.sync_state != "sync" && seen.sync_state != "quorum") ||
            streams_now(seen.application_name))
            continue;
        auto kept = seen;
        kept.departed = true;
        next.standbys.push_back(std::move(kept));
    }
    return next;
}

bool waits_for_standbys(const SyncSnapshot& snapshot) {
    const auto names = parse_sync_standby_names(snapshot.standby_names);
    // What the primary accepted but this reader cannot parse: assume it waits.
    return !names || names->method != SyncMethod::none;
}

SafePosition safe_promotion_position(const SyncSnapshot& snapshot, std::string_view primary_name,
                                     const std::vector<SyncCandidate>& standbys) {
    SafePosition safe;
    std::string error;
    const auto names = parse_sync_standby_names(snapshot.standby_names, &error);
    if (names && names->method == SyncMethod::none) {
        safe.reason = "the primary had no synchronous standbys";
        return safe;
    }
    safe.applies = true;
    if (!names) {
        safe.reason = fmt::format(
            "the primary's synchronous_standby_names \"{}\" cannot be read ({}): no node is "
            "known to hold every acknowledged commit",
            snapshot.standby_names, error);
        return safe;
    }
    if (names->method == SyncMethod::first) {
        // Every standby the primary waited for holds every acknowledged commit.
        std::vector<std::string> synchronous;
        for (const auto& seen : snapshot.standbys)
            if (seen.sync_state == "sync")
                synchronous.push_back(seen.application_name);
        std::optional<std::uint64_t> lowest;
        std::string lowest_name;
        for (const auto& standby : standbys) {
            const bool was_sync =
                std::any_of(synchronous.begin(), synchronous.end(), [&](const std::string& name) {
                    return same_standby_name(name, standby.node_name);
                });
            if (!was_sync || !standby.visible || !standby.lsn)
                continue;
            if (!lowest || *standby.lsn < *lowest) {
                lowest = standby.lsn;
                lowest_name = standby.node_name;
            }
        }
        if (!lowest) {
            safe.reason = synchronous.empty()
                              ? fmt::format(
                                    "the primary ({}) had no synchronous standby when "
                                    "last seen: no node is known to hold every "
                                    "acknowledged commit",
                                    snapshot.standby_names)
                              : fmt::format(
                                    "no synchronous standby of the primary ({}) is "
                                    "visible: only they are known to hold every "
                                    "acknowledged commit",
                                    fmt::join(synchronous, ", "));
            return safe;
        }
        safe.lsn = lowest;
        safe.reason = fmt::format(
            "synchronous standby \"{}\" is visible at {}: a candidate must "
            "have reached {}",
            lowest_name, describe_lsn(*lowest), describe_lsn(*lowest));
        return safe;
    }
    // ANY k: the standbys a commit may have waited for are those listed (every one with "*"),
    // and those the primary showed as quorum members; never the primary itself.
    std::vector<std::string> members;
    auto add_member = [&](const std::string& name) {
        if (same_standby_name(name, primary_name))
            return;
        if (std::none_of(members.begin(), members.end(),
                         [&](const std::string& m) { return same_standby_name(m, name); }))
            members.push_back(name);
    };
    for (const auto& name : names->names)
        if (name != "*")
            add_member(name);
    for (const auto& seen : snapshot.standbys)
        if (seen.sync_state == "quorum" || names_standby(*names, seen.application_name))
            add_member(seen.application_name);
    if (names_standby(*names, "*"))
        for (const auto& standby : standbys)
            add_member(standby.node_name);
    const int n = static_cast<int>(members.size());
    const int needed = std::max(1, n - names->count + 1);
    int visible = 0;
    std::optional<std::uint64_t> highest;
    std::string highest_name;
    for (const auto& standby : standbys) {
        const bool member = std::any_of(members.begin(), members.end(), [&](const std::string& m) {
            return same_standby_name(m, standby.node_name);
        });
        if (!member || !standby.visible || !standby.lsn)
            continue;
        ++visible;
        if (!highest || *standby.lsn > *highest) {
            highest = standby.lsn;
            highest_name = standby.node_name;
        }
    }
    if (visible < needed) {
        safe.reason = fmt::format(
            "only {} of the {} quorum standbys ({}) are visible, and ANY {} "
            "needs {} to be sure one holds every acknowledged commit",
            visible, n, fmt::join(members, ", "), names->count, needed);
        return safe;
    }
    safe.lsn = highest;
    safe.reason = fmt::format(
        "{} of the {} quorum standbys are visible (ANY {} needs {}), the "
        "most advanced \"{}\" at {}: a candidate must have reached it",
        visible, n, names->count, needed, highest_name, describe_lsn(*highest));
    return safe;
}

std::optional<std::uint64_t> lag_limit_position(const SyncSnapshot& snapshot,
                                                std::optional<std::uint64_t> max_lag_bytes) {
    if (!max_lag_bytes)
        return std::nullopt;
    return snapshot.primary_lsn > *max_lag_bytes ? snapshot.primary_lsn - *max_lag_bytes : 0;
}

}  // namespace pgwarden::failover
