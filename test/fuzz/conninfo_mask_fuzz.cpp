// libFuzzer entry point for the conninfo parser (libpq's rules, key=value and URI) and the
// password masking every message, log line and error goes through.
//
// The contract under test: nothing crashes, hangs or trips a sanitizer, and a password that the
// parser reads out of a conninfo never survives mask_password, whether the conninfo stands alone
// or sits inside a message.
#include "text/conninfo.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using pgwarden::text::mask_password;

std::size_t count(std::string_view text, std::string_view word) {
    std::size_t n = 0;
    for (auto pos = text.find(word); pos != std::string_view::npos; pos = text.find(word, pos + 1))
        ++n;
    return n;
}

// Whether `text` holds `word` at the start of a key=value pair (at its start or after a space).
bool has_pair(std::string_view text, const std::string& word) {
    for (auto pos = text.find(word); pos != std::string_view::npos;
         pos = text.find(word, pos + 1)) {
        if (pos == 0 || std::isspace(static_cast<unsigned char>(text[pos - 1])) != 0)
            return true;
    }
    return false;
}

// Where the check can look for a password: written as read, as a "password=" pair (quoted or
// not) in key=value form, or between ':' and '@' in a URI (an escaped or percent-encoded one is
// not, and its decoded text may stand elsewhere, in a keyword or another value), written once in
// `text` (one that also appears elsewhere, say as the user name or in the message's own words,
// cannot be told apart), and without the mask's '*'.
bool traceable(std::string_view text, std::string_view password, bool uri) {
    const std::string value(password);
    const bool as_read =
        uri ? text.find(":" + value + "@") != std::string_view::npos
            : has_pair(text, "password=" + value) || has_pair(text, "password='" + value + "'");
    return as_read && !password.empty() && password.find('*') == std::string_view::npos &&
           count(text, password) == 1;
}

void require_masked(std::string_view text, std::string_view password, bool uri) {
    if (traceable(text, password, uri) && mask_password(text).find(password) != std::string::npos)
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view conninfo(reinterpret_cast<const char*>(data), size);
    const auto parsed = pgwarden::text::parse_conninfo(conninfo);
    mask_password(conninfo);
    if (parsed.error)
        return 0;
    for (const auto& param : parsed.params) {
        if (param.keyword != "password")
            continue;
        const bool uri = pgwarden::text::is_conninfo_uri(conninfo);
        require_masked(conninfo, param.value, uri);
        require_masked("could not connect to \"" + std::string(conninfo) + "\": refused",
                       param.value, uri);
    }
    pgwarden::text::has_keyword(conninfo, "password");
    pgwarden::text::with_default(std::string(conninfo), "connect_timeout", "2");
    return 0;
}
