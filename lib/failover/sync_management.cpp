#include "failover/sync_management.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

namespace pgwarden::failover {
namespace {

std::string key_of(std::string_view name) {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string joined;
    for (const auto& part : parts)
        joined += (joined.empty() ? "" : std::string(separator)) + part;
    return joined;
}

// synchronous_standby_names in one spelling, so that "Node2" and "FIRST 1 (node2)" compare
// equal as PostgreSQL reads them; text that does not parse differs from anything we write.
std::string normalized(const std::string& text) {
    const auto parsed = parse_sync_standby_names(text);
    return parsed ? key_of(format_sync_standby_names(*parsed)) : "unparsed:" + text;
}

long long whole_seconds(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

SyncDecision SyncManager::decide(const SyncRound& round, TimePoint now) {
    SyncDecision decision;
    if (settings_.mode == SyncMode::off) {
        decision.names = round.current;
        decision.reason = "synchronous-mode is off: synchronous_standby_names is the operator's";
        return decision;
    }
    const bool strict = settings_.mode == SyncMode::strict;

    std::map<std::string, const RegisteredStandby*> registered;
    for (const auto& standby : round.standbys)
        registered.emplace(key_of(standby.node_name), &standby);
    std::set<std::string> streaming;
    for (const auto& name : round.streaming)
        streaming.insert(key_of(name));
    const auto healthy = [&](const std::string& key) {
        const auto found = registered.find(key);
        return found != registered.end() && found->second->active && streaming.count(key) != 0;
    };
    // Forget standbys no longer registered, then note who streams now.
    for (auto it = last_streaming_.begin(); it != last_streaming_.end();)
        it = registered.count(it->first) != 0 ? std::next(it) : last_streaming_.erase(it);
    for (const auto& [key, standby] : registered)
        if (healthy(key))
            last_streaming_[key] = now;

    std::vector<std::string> members;
    std::set<std::string> member_keys;
    std::vector<std::string> changes;  // why the list differs
    std::vector<std::string> waiting;  // why it stays as it is despite a missing standby
    const auto current = parse_sync_standby_names(round.current);
    for (const auto& name : current ? current->names : std::vector<std::string>{}) {
        const auto key = key_of(name);
        if (name == "*" || member_keys.count(key) != 0)
            continue;
        const auto found = registered.find(key);
        if (found == registered.end()) {
            changes.push_back(fmt::format("{} is no registered standby: dropped", name));
            continue;
        }
        const auto& standby_name = found->second->node_name;
        if (!healthy(key)) {
            const auto gone = now - last_streaming_.try_emplace(key, now).first->second;
            if (strict) {
                waiting.push_back(fmt::format(
                    "{} does not stream: kept (synchronous-mode strict never stops waiting for it)",
                    standby_name));
            } else if (gone >= settings_.standby_timeout) {
                changes.push_back(fmt::format(
                    "{} has not streamed for {} s (synchronous-standby-timeout {} s): dropped",
                    standby_name, whole_seconds(gone), settings_.standby_timeout.count()));
                continue;
            } else {
                waiting.push_back(fmt::format(
                    "{} has not streamed for {} s: kept until synchronous-standby-timeout ({} s)",
                    standby_name, whole_seconds(gone), settings_.standby_timeout.count()));
            }
        }
        members.push_back(name);  // as written: a change of case alone is no change
        member_keys.insert(key);
    }

    std::vector<const RegisteredStandby*> added;
    for (const auto& [key, standby] : registered)
        if (healthy(key) && member_keys.count(key) == 0)
            added.push_back(standby);
    std::sort(added.begin(), added.end(),
              [](const auto* a, const auto* b) { return a->node_id < b->node_id; });
    for (const auto* standby : added) {
        members.push_back(standby->node_name);
        changes.push_back(fmt::format("{} streams: added", standby->node_name));
    }

    if (!members.empty()) {
        SyncStandbyNames names;
        names.method = SyncMethod::first;
        names.count = std::min(settings_.node_count, static_cast<int>(members.size()));
        names.names = members;
        decision.names = format_sync_standby_names(names);
    } else if (strict) {
        decision.names = "*";
        waiting.push_back(
            "no registered standby streams: writes wait for any standby ('*', synchronous-mode "
            "strict)");
    } else {
        waiting.push_back("no synchronous standby is left: the primary commits asynchronously");
    }

    decision.change = normalized(decision.names) != normalized(round.current);
    if (decision.change && changes.empty())
        changes.push_back(fmt::format("synchronous-mode {} with synchronous-node-count {}",
                                      sync_mode_name(settings_.mode), settings_.node_count));
    auto reasons = decision.change ? changes : waiting;
    if (decision.change)
        reasons.insert(reasons.end(), waiting.begin(), waiting.end());
    decision.reason =
        reasons.empty() ? std::string("every listed standby streams") : join(reasons, "; ");
    return decision;
}

}  // namespace pgwarden::failover
