#include "failover/sync_replication.hpp"

#include "model/lsn.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace pgwarden::failover {
namespace {

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// PostgreSQL's syncrep scanner: identifiers, numbers, double-quoted names ("" inside is one "),
// "*", parentheses and commas; whitespace between.
struct Token {
    enum Kind { name, number, open, close, comma, end } kind = end;
    std::string text;
    bool quoted = false;
};

class Scanner {
  public:
    explicit Scanner(std::string_view text) : text_(text) {}

    std::optional<Token> next(std::string* error) {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
            ++pos_;
        if (pos_ == text_.size())
            return Token{Token::end, {}, false};
        const char c = text_[pos_];
        if (c == '(' || c == ')' || c == ',') {
            ++pos_;
            return Token{c == '('   ? Token::open
                         : c == ')' ? Token::close
                                    : Token::comma,
                         std::string(1, c), false};
        }
        if (c == '*') {
            ++pos_;
            return Token{Token::name, "*", false};
        }
        if (c == '"')
            return quoted(error);
        const bool digits = std::isdigit(static_cast<unsigned char>(c)) != 0;
        if (!digits && !identifier_start(c)) {
            if (error != nullptr)
                *error = fmt::format("unexpected character \"{}\"", c);
            return std::nullopt;
        }
        const auto start = pos_;
        while (pos_ < text_.size() &&
               (digits ? std::isdigit(static_cast<unsigned char>(text_[pos_]))
                       : identifier_part(text_[pos_])))
            ++pos_;
        return Token{digits ? Token::number : Token::name,
                     std::string(text_.substr(start, pos_ - start)), false};
    }

  private:
    static bool identifier_start(char c) {
        return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
               static_cast<unsigned char>(c) >= 0x80;
    }
    static bool identifier_part(char c) {
        return identifier_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
    }

    std::optional<Token> quoted(std::string* error) {
        std::string name;
        ++pos_;
        while (pos_ < text_.size()) {
            if (text_[pos_] == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    name += '"';
                    pos_ += 2;
                    continue;
                }
                ++pos_;
                return Token{Token::name, name, true};
            }
            name += text_[pos_++];
        }
        if (error != nullptr)
            *error = "unterminated quoted name";
        return std::nullopt;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

std::optional<std::vector<Token>> scan(std::string_view text, std::string* error) {
    Scanner scanner(text);
    std::vector<Token> tokens;
    for (;;) {
        auto token = scanner.next(error);
        if (!token)
            return std::nullopt;
        tokens.push_back(*token);
        if (token->kind == Token::end)
            return tokens;
    }
}

std::optional<SyncStandbyNames> refuse(std::string* error, std::string why) {
    if (error != nullptr)
        *error = std::move(why);
    return std::nullopt;
}

bool is_keyword(const Token& token, std::string_view word) {
    return token.kind == Token::name && !token.quoted && same_name(token.text, word);
}

std::string quote_if_needed(const std::string& name) {
    const bool plain =
        !name.empty() &&
        (name == "*" || std::all_of(name.begin(), name.end(),
                                    [](char c) {
                                        return std::isalnum(static_cast<unsigned char>(c)) ||
                                               c == '_' || c == '$';
                                    })) &&
        !std::isdigit(static_cast<unsigned char>(name.front()));
    if (plain && !same_name(name, "first") && !same_name(name, "any"))
        return name;
    std::string quoted = "\"";
    for (const char c : name)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string describe_lsn(std::uint64_t lsn) {
    return model::format_lsn(model::Lsn(lsn));
}

// A value on one line of the record: a newline would start a forged entry.
std::string one_line(std::string_view value) {
    std::string line(value);
    std::replace(line.begin(), line.end(), '\n', ' ');
    return line;
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

std::optional<SyncStandbyNames> parse_sync_standby_names(std::string_view text,
                                                         std::string* error) {
    const auto tokens = scan(text, error);
    if (!tokens)
        return std::nullopt;
    SyncStandbyNames parsed;
    if (tokens->front().kind == Token::end)
        return parsed;
    std::size_t at = 0;
    parsed.method = SyncMethod::first;
    parsed.count = 1;
    const bool method_word = is_keyword((*tokens)[0], "first") || is_keyword((*tokens)[0], "any");
    // "FIRST" or "ANY" alone (or as a list entry) is a standby name; a keyword needs a count.
    if (method_word && (*tokens)[1].kind == Token::number) {
        parsed.method = is_keyword((*tokens)[0], "any") ? SyncMethod::any : SyncMethod::first;
        at = 1;
    }
    if ((*tokens)[at].kind == Token::number && (*tokens)[at + 1].kind == Token::open) {
        const auto count = text::parse_number<int>((*tokens)[at].text);
        if (!count || *count <= 0)
            return refuse(error, fmt::format("the number of synchronous standbys ({}) must be "
                                             "greater than zero",
                                             (*tokens)[at].text));
        parsed.count = *count;
        at += 2;
    } else if (at == 1) {
        return refuse(error, "a list of standby names in parentheses must follow the count");
    }
    const bool parenthesised = at > 0;
    for (;;) {
        const Token& name = (*tokens)[at];
        if (name.kind != Token::name && name.kind != Token::number)
            return refuse(error, fmt::format("a standby name was expected, not \"{}\"",
                                             name.kind == Token::end ? "end of text" : name.text));
        parsed.names.push_back(name.text);
        const Token& after = (*tokens)[++at];
        ++at;
        if (after.kind == Token::comma)
            continue;
        if (parenthesised && after.kind == Token::close && (*tokens)[at].kind == Token::end)
            return parsed;
        if (!parenthesised && after.kind == Token::end)
            return parsed;
        return refuse(error, fmt::format("syntax error at \"{}\"",
                                         after.kind == Token::end ? "end of text" : after.text));
    }
}

bool names_standby(const SyncStandbyNames& names, std::string_view application_name) {
    return std::any_of(names.names.begin(), names.names.end(), [&](const std::string& name) {
        return name == "*" || same_name(name, application_name);
    });
}

std::string format_sync_standby_names(const SyncStandbyNames& names) {
    if (names.method == SyncMethod::none)
        return "";
    std::string list;
    for (const auto& name : names.names)
        list += (list.empty() ? "" : ", ") + quote_if_needed(name);
    return fmt::format("{} {} ({})", names.method == SyncMethod::any ? "ANY" : "FIRST", names.count,
                       list);
}

std::optional<std::string> sync_state_of(const SyncSnapshot& snapshot,
                                         std::string_view application_name) {
    for (const auto& standby : snapshot.standbys)
        if (same_name(standby.application_name, application_name))
            return standby.sync_state;
    return std::nullopt;
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
            const bool was_sync = std::any_of(
                synchronous.begin(), synchronous.end(),
                [&](const std::string& name) { return same_name(name, standby.node_name); });
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
        if (same_name(name, primary_name))
            return;
        if (std::none_of(members.begin(), members.end(),
                         [&](const std::string& m) { return same_name(m, name); }))
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
            return same_name(m, standby.node_name);
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

std::optional<std::string> fresh_sync_state(const ReplicationRecord& record,
                                            std::string_view boot_id, std::int64_t now_ms) {
    if (!record.snapshot || record.node_name.empty() || record.snapshot->boot_id != boot_id ||
        now_ms >= record.snapshot->valid_until_ms)
        return std::nullopt;
    return sync_state_of(*record.snapshot, record.node_name);
}

std::optional<std::uint64_t> lag_limit_position(const SyncSnapshot& snapshot,
                                                std::optional<std::uint64_t> max_lag_bytes) {
    if (!max_lag_bytes)
        return std::nullopt;
    return snapshot.primary_lsn > *max_lag_bytes ? snapshot.primary_lsn - *max_lag_bytes : 0;
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
            text += fmt::format("standby={},{},{}\n", standby.sync_state,
                                standby.flush_lsn ? std::to_string(*standby.flush_lsn) : "",
                                one_line(standby.application_name));
    }
    if (!record.election_refusal.empty())
        text += fmt::format("election_refusal={}\n", one_line(record.election_refusal));
    return text;
}

namespace {

template <typename Number>
bool parse_into(std::string_view value, Number& out) {
    const auto parsed = text::parse_number<Number>(value);
    if (parsed)
        out = *parsed;
    return parsed.has_value();
}

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
    int line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.empty())
            continue;
        const auto equals = line.find('=');
        bool ok = equals != std::string_view::npos;
        const auto key = ok ? line.substr(0, equals) : line;
        const auto value = ok ? line.substr(equals + 1) : std::string_view();
        if (!ok) {
        } else if (key == "primary_node_id") {
            ok = have_primary = parse_into(value, snapshot.primary_node_id);
        } else if (key == "synchronous_standby_names") {
            snapshot.standby_names = std::string(value);
        } else if (key == "synchronous_commit") {
            snapshot.synchronous_commit = std::string(value);
        } else if (key == "primary_lsn") {
            ok = parse_into(value, snapshot.primary_lsn);
        } else if (key == "seen_unix") {
            ok = parse_into(value, snapshot.seen_unix);
        } else if (key == "boot_id") {
            snapshot.boot_id = std::string(value);
        } else if (key == "seen_ms") {
            ok = parse_into(value, snapshot.seen_ms);
        } else if (key == "valid_until_ms") {
            ok = parse_into(value, snapshot.valid_until_ms);
        } else if (key == "node_name") {
            record.node_name = std::string(value);
        } else if (key == "standby") {
            const auto standby = parse_standby(value);
            ok = standby.has_value();
            if (ok)
                snapshot.standbys.push_back(*standby);
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
