#include "config/pg_conf_lexer.hpp"

#include <array>
#include <utility>

namespace pgwarden::config {
namespace {

// Character classes are byte ranges, never locale-dependent: bytes >= 0x80 count as letters
// so UTF-8 names and values pass, exactly as in guc-file.l.
bool is_letter(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}
bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
bool is_letter_or_digit(unsigned char c) {
    return is_letter(c) || is_digit(c);
}
bool is_hex_digit(unsigned char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_unit_letter(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_sign(unsigned char c) {
    return c == '+' || c == '-';
}

unsigned char at(std::string_view s, std::size_t i) {
    return i < s.size() ? static_cast<unsigned char>(s[i]) : '\0';
}

// Each match_* returns the length of the longest prefix of `s` the rule matches, 0 for none.

std::size_t match_id(std::string_view s) {
    if (s.empty() || !is_letter(at(s, 0)))
        return 0;
    std::size_t i = 1;
    while (i < s.size() && is_letter_or_digit(at(s, i)))
        ++i;
    return i;
}

std::size_t match_qualified_id(std::string_view s) {
    const std::size_t first = match_id(s);
    if (first == 0 || at(s, first) != '.' || first + 1 >= s.size())
        return 0;
    const std::size_t second = match_id(s.substr(first + 1));
    return second == 0 ? 0 : first + 1 + second;
}

std::size_t match_unquoted_string(std::string_view s) {
    if (s.empty() || !is_letter(at(s, 0)))
        return 0;
    std::size_t i = 1;
    while (i < s.size()) {
        const unsigned char c = at(s, i);
        if (!is_letter_or_digit(c) && c != '-' && c != '.' && c != '_' && c != ':' && c != '/')
            break;
        ++i;
    }
    return i;
}

// '([^'\\\n]|\\.|'')*' -- a quote may end the string or, doubled, stand for itself, so the
// scan records every point where the string could end and keeps the last one. `scanned` is where
// the scan stopped.
struct StringMatch {
    std::size_t length = 0;
    std::size_t scanned = 0;
};

StringMatch match_string(std::string_view s) {
    StringMatch match;
    std::size_t i = 1;
    while (i < s.size() && s[i] != '\n') {
        if (s[i] == '\\') {
            if (i + 1 >= s.size() || s[i + 1] == '\n')
                break;
            i += 2;
        } else if (s[i] == '\'') {
            match.length = i + 1;
            if (at(s, i + 1) != '\'')
                break;
            i += 2;
        } else {
            ++i;
        }
    }
    match.scanned = i;
    return match;
}

std::size_t skip_unit_letters(std::string_view s, std::size_t i) {
    while (i < s.size() && is_unit_letter(at(s, i)))
        ++i;
    return i;
}

std::size_t match_integer(std::string_view s) {
    const std::size_t start = is_sign(at(s, 0)) ? 1 : 0;
    std::size_t best = 0;

    std::size_t i = start;
    while (i < s.size() && is_digit(at(s, i)))
        ++i;
    if (i > start)
        best = skip_unit_letters(s, i);

    if (at(s, start) == '0' && at(s, start + 1) == 'x') {
        std::size_t j = start + 2;
        while (j < s.size() && is_hex_digit(at(s, j)))
            ++j;
        if (j > start + 2)
            best = std::max(best, skip_unit_letters(s, j));
    }
    return best;
}

std::size_t match_real(std::string_view s) {
    std::size_t i = is_sign(at(s, 0)) ? 1 : 0;
    while (i < s.size() && is_digit(at(s, i)))
        ++i;
    if (at(s, i) != '.' || i >= s.size())
        return 0;
    ++i;
    while (i < s.size() && is_digit(at(s, i)))
        ++i;
    if (at(s, i) == 'e' || at(s, i) == 'E') {
        std::size_t j = i + 1;
        if (is_sign(at(s, j)))
            ++j;
        const std::size_t digits_start = j;
        while (j < s.size() && is_digit(at(s, j)))
            ++j;
        if (j > digits_start)
            i = j;
    }
    return i;
}

std::size_t match_equals(std::string_view s) {
    return !s.empty() && s[0] == '=' ? 1 : 0;
}

using Matcher = std::size_t (*)(std::string_view);

// In guc-file.l's rule order: on equal lengths the earlier rule wins, which is why "a.b" is a
// qualified_id (not a valid value) while "a.b.c" is an unquoted_string (a valid one).
// Strings are matched apart (PgConfLexer::next): only they start with a quote, so they tie with
// no other rule.
constexpr std::array<std::pair<TokenKind, Matcher>, 6> kRules{{
    {TokenKind::id, match_id},
    {TokenKind::qualified_id, match_qualified_id},
    {TokenKind::unquoted_string, match_unquoted_string},
    {TokenKind::integer, match_integer},
    {TokenKind::real, match_real},
    {TokenKind::equals, match_equals},
}};

}  // namespace

Token PgConfLexer::next() {
    while (pos_ < input_.size()) {
        const char c = input_[pos_];
        if (c == '\n') {
            ++pos_;
            return Token{TokenKind::end_of_line, input_.substr(pos_ - 1, 1), line_++};
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            ++pos_;
            continue;
        }
        if (c == '#') {
            while (pos_ < input_.size() && input_[pos_] != '\n')
                ++pos_;
            continue;
        }

        const std::string_view rest = input_.substr(pos_);
        Token token{TokenKind::error, rest.substr(0, 1), line_};
        if (c == '\'') {
            if (const std::size_t length = string_length(rest))
                token = Token{TokenKind::string, rest.substr(0, length), line_};
            pos_ += token.text.size();
            return token;
        }
        for (const auto& [kind, match] : kRules) {
            const std::size_t length = match(rest);
            if (length > token.text.size() || (length == 1 && token.kind == TokenKind::error)) {
                token.kind = kind;
                token.text = rest.substr(0, length);
            }
        }
        pos_ += token.text.size();
        return token;
    }
    return Token{TokenKind::end_of_file, {}, line_};
}

std::size_t PgConfLexer::string_length(std::string_view rest) {
    if (pos_ < no_string_before_)
        return 0;
    const StringMatch match = match_string(rest);
    if (match.length == 0)
        no_string_before_ = pos_ + match.scanned;
    return match.length;
}

std::string unquote_pg_string(std::string_view quoted) {
    std::string out;
    if (quoted.size() < 2)
        return out;
    const std::string_view body = quoted.substr(1, quoted.size() - 2);
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '\'' && i + 1 < body.size() && body[i + 1] == '\'') {
            out += '\'';
            ++i;
            continue;
        }
        if (c != '\\' || i + 1 >= body.size()) {
            out += c;
            continue;
        }
        const char escaped = body[++i];
        switch (escaped) {
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            default:
                if (escaped >= '0' && escaped <= '7') {
                    unsigned value = 0;
                    std::size_t k = 0;
                    for (; k < 3 && i + k < body.size() && body[i + k] >= '0' && body[i + k] <= '7';
                         ++k)
                        value = (value << 3) + static_cast<unsigned>(body[i + k] - '0');
                    i += k - 1;
                    out += static_cast<char>(value & 0xFF);
                } else {
                    out += escaped;
                }
        }
    }
    return out;
}

}  // namespace pgwarden::config
