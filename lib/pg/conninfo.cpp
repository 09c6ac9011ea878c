#include "pg/conninfo.hpp"

#include <cctype>

namespace pgwarden::pg {
namespace {

constexpr std::string_view kMask = "********";

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool iequals_at(std::string_view text, std::size_t pos, std::string_view word) {
    if (pos + word.size() > text.size())
        return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[pos + i])) != word[i])
            return false;
    }
    return true;
}

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// End of a conninfo value starting at `pos`: a single-quoted string (with \' escapes) or a run
// of non-space characters.
std::size_t value_end(std::string_view text, std::size_t pos, bool in_message = false) {
    if (pos < text.size() && text[pos] == '\'') {
        ++pos;
        while (pos < text.size() && text[pos] != '\'') {
            pos += (text[pos] == '\\' && pos + 1 < text.size()) ? 2 : 1;
        }
        return pos < text.size() ? pos + 1 : pos;
    }
    while (pos < text.size() && !is_space(text[pos]) && !(in_message && text[pos] == '"'))
        ++pos;
    return pos;
}

bool is_uri(std::string_view conninfo) {
    return conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://");
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
                // URI query parameters end at '&' as well.
                std::size_t end = value_end(text, j, true);
                const std::size_t amp = text.find('&', j);
                if (amp != std::string_view::npos && amp < end && text[j] != '\'')
                    end = amp;
                i = end;
                continue;
            }
        }
        // URI userinfo: "://user:secret@host".
        if (text.compare(i, 3, "://") == 0) {
            const std::size_t start = i + 3;
            std::size_t end = start;
            while (end < text.size() && !is_space(text[end]) && text[end] != '/' &&
                   text[end] != '@') {
                ++end;
            }
            if (end < text.size() && text[end] == '@') {
                const std::size_t colon = text.find(':', start);
                if (colon != std::string_view::npos && colon < end) {
                    out.append(text.substr(i, colon + 1 - i));
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
    if (is_uri(conninfo)) {
        const std::size_t query = conninfo.find('?');
        if (query == std::string_view::npos)
            return false;
        std::size_t pos = query + 1;
        while (pos < conninfo.size()) {
            const std::size_t amp = conninfo.find('&', pos);
            const std::string_view param = conninfo.substr(pos, amp - pos);
            if (param.substr(0, param.find('=')) == keyword)
                return true;
            if (amp == std::string_view::npos)
                break;
            pos = amp + 1;
        }
        return false;
    }
    std::size_t pos = 0;
    while (pos < conninfo.size()) {
        while (pos < conninfo.size() && is_space(conninfo[pos]))
            ++pos;
        std::size_t key_end = pos;
        while (key_end < conninfo.size() && !is_space(conninfo[key_end]) &&
               conninfo[key_end] != '=') {
            ++key_end;
        }
        const std::string_view key = conninfo.substr(pos, key_end - pos);
        std::size_t eq = key_end;
        while (eq < conninfo.size() && is_space(conninfo[eq]))
            ++eq;
        if (eq >= conninfo.size() || conninfo[eq] != '=')
            return false;  // malformed: libpq says
        if (key == keyword)
            return true;
        std::size_t value = eq + 1;
        while (value < conninfo.size() && is_space(conninfo[value]))
            ++value;
        pos = value_end(conninfo, value);
    }
    return false;
}

std::string with_default(std::string conninfo, std::string_view keyword, std::string_view value) {
    if (has_keyword(conninfo, keyword))
        return conninfo;
    if (is_uri(conninfo)) {
        conninfo += conninfo.find('?') == std::string::npos ? '?' : '&';
        conninfo.append(keyword).append("=").append(value);
        return conninfo;
    }
    if (!conninfo.empty())
        conninfo += ' ';
    conninfo.append(keyword).append("='");
    for (char c : value) {
        if (c == '\'' || c == '\\')
            conninfo += '\\';
        conninfo += c;
    }
    conninfo += '\'';
    return conninfo;
}

}  // namespace pgwarden::pg
