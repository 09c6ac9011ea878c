// Conninfo text. The parser is libpq 15's fe-connect.c (conninfo_parse, conninfo_uri_parse_options,
// conninfo_uri_parse_params, conninfo_uri_decode) ported step for step, so a conninfo is read and
// rejected exactly as libpq would, without linking libpq; masking and defaults use it or scan.
#include "text/conninfo.hpp"

#include "text/ascii.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace pgwarden::text {
namespace {

constexpr std::string_view kMask = "********";

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool iequals_at(std::string_view text, std::size_t pos, std::string_view word) {
    return pos + word.size() <= text.size() && iequals(text.substr(pos, word.size()), word);
}

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// End of a password value inside a message, starting at `pos`; masking too much is harmless,
// too little leaks. Quoted: to the closing quote, past \'; quoted with '' (how a repmgr.conf
// line quoted in an error doubles them): to the next ''. Unquoted: libpq's rule, to the next space,
// '&' and '"' included (a URI parameter ends at '&' too); only a trailing '"' with punctuation
// after it is left, as the end of a quoted conninfo in a message.
std::size_t secret_end(std::string_view text, std::size_t pos, bool uri_parameter) {
    // Doubled: the conninfo's own quotes inside a quoted repmgr.conf value, up to the next ''.
    if (!uri_parameter && text.substr(pos, 2) == "''" && pos + 2 < text.size() &&
        !is_space(text[pos + 2])) {
        const std::size_t close = text.find("''", pos + 2);
        return close == std::string_view::npos ? text.size() : close + 2;
    }
    if (!uri_parameter && pos < text.size() && text[pos] == '\'') {
        ++pos;
        while (pos < text.size()) {
            if (text[pos] == '\\' && pos + 1 < text.size()) {
                pos += 2;
            } else if (text[pos] == '\'') {
                return pos + 1;
            } else {
                ++pos;
            }
        }
        return pos;
    }
    const std::size_t start = pos;
    while (pos < text.size() && !is_space(text[pos]) && !(uri_parameter && text[pos] == '&'))
        pos += (!uri_parameter && text[pos] == '\\' && pos + 1 < text.size()) ? 2 : 1;
    // A value of quotes and punctuation alone is all password: leaving it would leak it whole.
    const std::size_t quote = text.substr(start, pos - start).rfind('"');
    if (quote != std::string_view::npos && quote > 0 &&
        text.substr(start + quote, pos - start - quote).find_first_not_of("\"':,.;)") ==
            std::string_view::npos)
        return start + quote;
    return pos;
}

constexpr std::string_view kUriPrefixes[] = {"postgresql://", "postgres://"};

std::size_t uri_prefix_length(std::string_view conninfo) {
    for (const std::string_view prefix : kUriPrefixes) {
        if (conninfo.starts_with(prefix))
            return prefix.size();
    }
    return 0;
}

std::optional<int> hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return std::nullopt;
}

// A failed step of the parse carries libpq's message. Thrown only inside parse_conninfo, which
// catches it: it stands for libpq's "goto cleanup" exits, one for one, keeping the port readable.
struct Failure {
    std::string message;
};

// conninfo_uri_decode: %XX escapes, rejecting malformed ones and %00.
std::string uri_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        const auto hi = i + 1 < text.size() ? hex_digit(text[i + 1]) : std::nullopt;
        const auto lo = hi && i + 2 < text.size() ? hex_digit(text[i + 2]) : std::nullopt;
        if (!lo)
            throw Failure{fmt::format("invalid percent-encoded token: \"{}\"", text)};
        const int c = (*hi << 4) | *lo;
        if (c == 0)
            throw Failure{
                fmt::format("forbidden value %00 in percent-encoded value: \"{}\"", text)};
        out += static_cast<char>(c);
        i += 2;
    }
    return out;
}

// Collects parameters as libpq's conninfo_storeval stores them.
class Store {
  public:
    explicit Store(const KnownKeyword& is_known) : is_known_(is_known) {}

    enum class Unknown { invalid_option, ignore };

    // False (with no message) for an unknown keyword when told to ignore it, as libpq's URI
    // query parameters want; their caller words the message.
    bool add(std::string keyword, std::string value, bool decode,
             Unknown unknown = Unknown::invalid_option) {
        if (keyword == "requiressl") {  // libpq's pre-8.4 spelling
            value = !value.empty() && value[0] == '1' ? "require" : "prefer";
            keyword = "sslmode";
        }
        if (is_known_ && !is_known_(keyword)) {
            if (unknown == Unknown::ignore)
                return false;
            throw Failure{fmt::format("invalid connection option \"{}\"", keyword)};
        }
        params_.push_back({std::move(keyword), decode ? uri_decode(value) : std::move(value)});
        return true;
    }

    std::vector<ConninfoParam> take() && { return std::move(params_); }

  private:
    const KnownKeyword& is_known_;
    std::vector<ConninfoParam> params_;
};

// conninfo_parse: "keyword = value" pairs, values bare (with \ escapes) or single-quoted.
void parse_key_value(std::string_view text, Store& store) {
    std::size_t i = 0;
    while (i < text.size()) {
        if (is_space(text[i])) {
            ++i;
            continue;
        }
        const std::size_t name_start = i;
        while (i < text.size() && text[i] != '=' && !is_space(text[i]))
            ++i;
        std::string name(text.substr(name_start, i - name_start));
        while (i < text.size() && is_space(text[i]))
            ++i;
        if (i == text.size() || text[i] != '=')
            throw Failure{
                fmt::format("missing \"=\" after \"{}\" in connection info string", name)};
        ++i;
        while (i < text.size() && is_space(text[i]))
            ++i;
        std::string value;
        if (i < text.size() && text[i] == '\'') {
            ++i;
            for (;;) {
                if (i == text.size())
                    throw Failure{"unterminated quoted string in connection info string"};
                if (text[i] == '\\') {
                    ++i;
                    if (i < text.size())
                        value += text[i++];
                    continue;
                }
                if (text[i] == '\'') {
                    ++i;
                    break;
                }
                value += text[i++];
            }
        } else {
            while (i < text.size()) {
                if (is_space(text[i])) {
                    ++i;
                    break;
                }
                if (text[i] == '\\')
                    ++i;
                if (i < text.size())
                    value += text[i++];
            }
        }
        store.add(std::move(name), std::move(value), false);
    }
}

// conninfo_uri_parse_params: "keyword=value&..." after the '?', both percent-decoded.
void parse_uri_params(std::string_view params, Store& store) {
    std::size_t i = 0;
    while (i < params.size()) {
        const std::size_t start = i;
        std::optional<std::size_t> equals;
        while (i < params.size() && params[i] != '&') {
            if (params[i] == '=') {
                if (equals)
                    throw Failure{fmt::format(
                        "extra key/value separator \"=\" in URI query parameter: \"{}\"",
                        params.substr(start, *equals - start))};
                equals = i;
            }
            ++i;
        }
        const std::size_t end = i;
        if (i < params.size())
            ++i;
        if (!equals)
            throw Failure{
                fmt::format("missing key/value separator \"=\" in URI query parameter: \"{}\"",
                            params.substr(start, end - start))};
        std::string keyword = uri_decode(params.substr(start, *equals - start));
        std::string value = uri_decode(params.substr(*equals + 1, end - *equals - 1));
        if (keyword == "ssl" && value == "true") {  // JDBC's spelling
            keyword = "sslmode";
            value = "require";
        }
        const std::string named = keyword;
        if (!store.add(std::move(keyword), std::move(value), false, Store::Unknown::ignore))
            throw Failure{fmt::format("invalid URI query parameter: \"{}\"", named)};
    }
}

bool ends_host(char c) {
    return c == ':' || c == '/' || c == '?' || c == ',';
}

// conninfo_uri_parse_options: scheme://[user[:password]@][netloc][:port][,...][/dbname][?params]
void parse_uri(std::string_view uri, Store& store) {
    std::size_t p = uri_prefix_length(uri);
    const std::size_t start = p;
    const auto at = [&](std::size_t i) { return i < uri.size() ? uri[i] : '\0'; };

    while (at(p) != '\0' && at(p) != '@' && at(p) != '/')
        ++p;
    if (at(p) == '@') {
        const std::size_t at_sign = p;
        const std::size_t colon = std::min(uri.find(':', start), at_sign);
        if (colon > start)
            store.add("user", std::string(uri.substr(start, colon - start)), true);
        if (colon + 1 < at_sign)
            store.add("password", std::string(uri.substr(colon + 1, at_sign - colon - 1)), true);
        p = at_sign + 1;
    } else {
        p = start;
    }

    std::string hosts;
    std::string ports;
    char terminator = '\0';
    for (;;) {
        std::size_t host_start = p;
        std::size_t host_end = p;
        if (at(p) == '[') {
            host_start = ++p;
            while (at(p) != '\0' && at(p) != ']')
                ++p;
            if (at(p) == '\0')
                throw Failure{fmt::format(
                    "end of string reached when looking for matching \"]\" in IPv6 host "
                    "address in URI: \"{}\"",
                    uri)};
            if (p == host_start)
                throw Failure{
                    fmt::format("IPv6 host address may not be empty in URI: \"{}\"", uri)};
            host_end = p++;
            if (at(p) != '\0' && !ends_host(at(p)))
                throw Failure{fmt::format(
                    "unexpected character \"{}\" at position {} in URI (expected \":\" or "
                    "\"/\"): \"{}\"",
                    at(p), p + 1, uri)};
        } else {
            while (at(p) != '\0' && !ends_host(at(p)))
                ++p;
            host_end = p;
        }
        terminator = at(p);
        hosts.append(uri.substr(host_start, host_end - host_start));
        if (terminator == ':') {
            const std::size_t port_start = ++p;
            while (at(p) != '\0' && at(p) != '/' && at(p) != '?' && at(p) != ',')
                ++p;
            terminator = at(p);
            ports.append(uri.substr(port_start, p - port_start));
        }
        if (terminator != ',')
            break;
        ++p;
        hosts += ',';
        ports += ',';
    }
    if (!hosts.empty())
        store.add("host", std::move(hosts), true);
    if (!ports.empty())
        store.add("port", std::move(ports), true);

    if (terminator != '\0' && terminator != '?') {
        const std::size_t dbname_start = ++p;
        while (at(p) != '\0' && at(p) != '?')
            ++p;
        terminator = at(p);
        if (p > dbname_start)
            store.add("dbname", std::string(uri.substr(dbname_start, p - dbname_start)), true);
    }
    if (terminator != '\0')
        parse_uri_params(uri.substr(p + 1), store);
}

}  // namespace

std::optional<std::string> ParsedConninfo::value_of(std::string_view keyword) const {
    const auto it = std::find_if(params.rbegin(), params.rend(),
                                 [&](const ConninfoParam& p) { return p.keyword == keyword; });
    if (it == params.rend())
        return std::nullopt;
    return it->value;
}

ParsedConninfo parse_conninfo(std::string_view conninfo, const KnownKeyword& is_known) {
    // libpq reads a C string: whatever follows a NUL is not there for it.
    conninfo = conninfo.substr(0, conninfo.find('\0'));
    Store store(is_known);
    try {
        if (is_conninfo_uri(conninfo))
            parse_uri(conninfo, store);
        else
            parse_key_value(conninfo, store);
    } catch (const Failure& failure) {
        return ParsedConninfo{{}, failure.message};
    }
    return ParsedConninfo{std::move(store).take(), std::nullopt};
}

bool is_conninfo_uri(std::string_view conninfo) {
    return uri_prefix_length(conninfo) != 0;
}

std::string quote_conninfo_value(std::string_view value) {
    std::string out = "'";
    for (const char c : value) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

namespace {

// Whether the "://" at `pos` follows one of libpq's URI schemes.
bool after_uri_scheme(std::string_view text, std::size_t pos) {
    const std::string_view before = text.substr(0, pos);
    return before.ends_with("postgresql") || before.ends_with("postgres");
}

}  // namespace

std::string mask_password(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        // key=value form: "password = secret" (also inside a larger message).
        if (iequals_at(text, i, "password") && (i == 0 || !is_word_char(text[i - 1]))) {
            std::size_t j = i + 8;
            while (j < text.size() && is_space(text[j]))
                ++j;
            if (j < text.size() && text[j] == '=') {
                ++j;
                while (j < text.size() && is_space(text[j]))
                    ++j;
                out.append(text.substr(i, j - i));
                out.append(kMask);
                const bool uri_parameter = i > 0 && (text[i - 1] == '?' || text[i - 1] == '&');
                i = secret_end(text, j, uri_parameter);
                continue;
            }
        }
        // URI userinfo: "postgresql://user:secret@host". libpq's rule: up to the first '@'
        // before any '/', spaces included (stopping at one leaked "se cret"). Only after
        // libpq's schemes, and the user part masked in turn: scanning that far past a "://" of
        // any other kind copied key=value passwords in between as they were.
        if (text.compare(i, 3, "://") == 0 && after_uri_scheme(text, i)) {
            const std::size_t start = i + 3;
            std::size_t end = start;
            while (end < text.size() && text[end] != '/' && text[end] != '@')
                ++end;
            if (end < text.size() && text[end] == '@') {
                const std::size_t colon = text.find(':', start);
                if (colon != std::string_view::npos && colon < end) {
                    out.append("://");
                    out.append(mask_password(text.substr(start, colon + 1 - start)));
                    out.append(kMask);
                    i = end;
                    continue;
                }
            }
        }
        out.push_back(text[i]);
        ++i;
    }
    return out;
}

bool has_keyword(std::string_view conninfo, std::string_view keyword) {
    const ParsedConninfo parsed = parse_conninfo(conninfo);
    return !parsed.error && parsed.value_of(keyword).has_value();
}

std::string with_default(std::string conninfo, std::string_view keyword, std::string_view value) {
    if (has_keyword(conninfo, keyword))
        return conninfo;
    if (is_conninfo_uri(conninfo)) {
        conninfo += conninfo.find('?') == std::string::npos ? '?' : '&';
        conninfo.append(keyword).append("=").append(value);
        return conninfo;
    }
    if (!conninfo.empty())
        conninfo += ' ';
    conninfo.append(keyword).append("=").append(quote_conninfo_value(value));
    return conninfo;
}

PasswordApart password_apart(std::string_view conninfo) {
    const auto parsed = parse_conninfo(conninfo);
    const auto password = parsed.value_of("password");
    if (parsed.error || !password)
        return {std::string(conninfo), std::nullopt};
    PasswordApart apart;
    apart.password = password;
    for (const auto& param : parsed.params) {
        if (param.keyword == "password")
            continue;
        if (!apart.conninfo.empty())
            apart.conninfo += ' ';
        apart.conninfo += param.keyword + "=" + quote_conninfo_value(param.value);
    }
    return apart;
}

}  // namespace pgwarden::text
