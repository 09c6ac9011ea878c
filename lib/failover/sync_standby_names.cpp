#include "failover/sync_standby_names.hpp"

#include "text/ascii.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace pgwarden::failover {
namespace {

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
    return token.kind == Token::name && !token.quoted && same_standby_name(token.text, word);
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
    if (plain && !same_standby_name(name, "first") && !same_standby_name(name, "any"))
        return name;
    std::string quoted = "\"";
    for (const char c : name)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

}  // namespace

bool same_standby_name(std::string_view a, std::string_view b) {
    return text::iequals(a, b);
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
        return name == "*" || same_standby_name(name, application_name);
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

}  // namespace pgwarden::failover
