#include "failover/sync_management.hpp"

#include "text/ascii.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

namespace pgwarden::failover {
namespace {

std::string key_of(std::string_view name) {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(), text::ascii_lower);
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

struct SyncManager::Seen {
    std::map<std::string, const RegisteredStandby*> registered;  // by key_of(node_name)
    std::set<std::string> streaming;                             // key_of(application_name)

    const RegisteredStandby* find(const std::string& key) const {
        const auto found = registered.find(key);
        return found == registered.end() ? nullptr : found->second;
    }
    // An inactive record (a standby repmgr marked failed) is not taken as healthy.
    bool healthy(const std::string& key) const {
        const auto* standby = find(key);
        return standby != nullptr && standby->active && streaming.count(key) != 0;
    }
};

struct SyncManager::Draft {
    std::vector<std::string> members;
    std::set<std::string> keys;
    std::vector<std::string> changes;  // why the list differs
    std::vector<std::string> waiting;  // why it stays as it is despite a missing standby

    void add(const std::string& name) {
        members.push_back(name);
        keys.insert(key_of(name));
    }
};

SyncDecision SyncManager::decide(const SyncRound& round, TimePoint now) {
    if (settings_.mode == SyncMode::off)
        return {false, round.current,
                "synchronous-mode is off: synchronous_standby_names is the operator's"};
    Seen seen;
    for (const auto& standby : round.standbys)
        seen.registered.emplace(key_of(standby.node_name), &standby);
    for (const auto& name : round.streaming)
        seen.streaming.insert(key_of(name));
    // Forget standbys no longer registered, then note who streams now.
    for (auto it = last_streaming_.begin(); it != last_streaming_.end();)
        it = seen.registered.count(it->first) != 0 ? std::next(it) : last_streaming_.erase(it);
    for (const auto& [key, standby] : seen.registered)
        if (seen.healthy(key))
            last_streaming_[key] = now;

    Draft draft;
    keep_listed(seen, round.current, now, draft);
    add_streaming(seen, draft);
    return conclude(std::move(draft), round.current);
}

void SyncManager::keep_listed(const Seen& seen, const std::string& current, TimePoint now,
                              Draft& draft) {
    const auto listed = parse_sync_standby_names(current);
    for (const auto& name : listed ? listed->names : std::vector<std::string>{}) {
        const auto key = key_of(name);
        if (name == "*" || draft.keys.count(key) != 0)
            continue;
        const auto* standby = seen.find(key);
        if (standby == nullptr) {
            draft.changes.push_back(fmt::format("{} is no registered standby: dropped", name));
            continue;
        }
        if (!seen.healthy(key)) {
            const auto gone = now - last_streaming_.try_emplace(key, now).first->second;
            const auto timeout = settings_.standby_timeout.count();
            if (settings_.mode == SyncMode::strict) {
                draft.waiting.push_back(fmt::format(
                    "{} does not stream: kept (synchronous-mode strict never stops waiting for it)",
                    standby->node_name));
            } else if (gone >= settings_.standby_timeout) {
                draft.changes.push_back(fmt::format(
                    "{} has not streamed for {} s (synchronous-standby-timeout {} s): dropped",
                    standby->node_name, whole_seconds(gone), timeout));
                continue;
            } else {
                draft.waiting.push_back(fmt::format(
                    "{} has not streamed for {} s: kept until synchronous-standby-timeout ({} s)",
                    standby->node_name, whole_seconds(gone), timeout));
            }
        }
        draft.add(name);  // as written: a change of case alone is no change
    }
}

void SyncManager::add_streaming(const Seen& seen, Draft& draft) {
    std::vector<const RegisteredStandby*> added;
    for (const auto& [key, standby] : seen.registered)
        if (seen.healthy(key) && draft.keys.count(key) == 0)
            added.push_back(standby);
    std::sort(added.begin(), added.end(),
              [](const auto* a, const auto* b) { return a->node_id < b->node_id; });
    for (const auto* standby : added) {
        draft.add(standby->node_name);
        draft.changes.push_back(fmt::format("{} streams: added", standby->node_name));
    }
}

SyncDecision SyncManager::conclude(Draft draft, const std::string& current) const {
    SyncDecision decision;
    if (!draft.members.empty()) {
        SyncStandbyNames names;
        names.method = SyncMethod::first;
        names.count = std::min(settings_.node_count, static_cast<int>(draft.members.size()));
        names.names = draft.members;
        decision.names = format_sync_standby_names(names);
    } else if (settings_.mode == SyncMode::strict) {
        decision.names = "*";
        draft.waiting.push_back(
            "no registered standby streams: writes wait for any standby ('*', synchronous-mode "
            "strict)");
    } else {
        draft.waiting.push_back(
            "no synchronous standby is left: the primary commits asynchronously");
    }

    decision.change = normalized(decision.names) != normalized(current);
    auto reasons = decision.change ? draft.changes : draft.waiting;
    if (decision.change) {
        if (reasons.empty())
            reasons.push_back(fmt::format("synchronous-mode {} with synchronous-node-count {}",
                                          sync_mode_name(settings_.mode), settings_.node_count));
        reasons.insert(reasons.end(), draft.waiting.begin(), draft.waiting.end());
    }
    decision.reason =
        reasons.empty() ? std::string("every listed standby streams") : join(reasons, "; ");
    return decision;
}

}  // namespace pgwarden::failover
