// Conninfo strings as plain text: libpq's own reading of key=value and postgresql:// URI forms
// (pure, no libpq), masking secrets for messages, and adding defaults a daemon needs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::text {

struct ConninfoParam {
    std::string keyword;
    std::string value;

    bool operator==(const ConninfoParam&) const = default;
};

// A conninfo read the way libpq 15's PQconninfoParse reads it: the keyword/value pairs in the
// order written (URI parts percent-decoded, requiressl and ssl=true renamed to sslmode as libpq
// does), or libpq's message when it would reject the string.
struct ParsedConninfo {
    std::vector<ConninfoParam> params;
    // libpq's wording, byte for byte, without its trailing newline.
    std::optional<std::string> error;

    // The value libpq connects with: the last one written for `keyword`.
    std::optional<std::string> value_of(std::string_view keyword) const;
};

// Whether libpq knows a keyword; libpq rejects the conninfo at the first unknown one.
using KnownKeyword = std::function<bool(std::string_view keyword)>;

// Parses a conninfo (key=value or URI). Without `is_known` every keyword is accepted, so only
// the syntax is checked; with it, unknown keywords fail with libpq's message, at the point libpq
// would stop.
ParsedConninfo parse_conninfo(std::string_view conninfo, const KnownKeyword& is_known = {});

// True for libpq's URI form (postgresql:// or postgres://).
bool is_conninfo_uri(std::string_view conninfo);

// A value in libpq's key=value syntax, always single-quoted: 'it\'s'.
std::string quote_conninfo_value(std::string_view value);

// Replaces the value of every password keyword (key=value form or a postgresql:// URI's
// user:password@) with "********", leaving the rest as written. Works on whole messages that
// merely contain a conninfo, so it scans text rather than parsing a conninfo.
std::string mask_password(std::string_view text);

// True when the conninfo sets `keyword` (key=value, URI parts or URI ?keyword=); false when it
// does not parse, in which case libpq reports the syntax error on connecting.
bool has_keyword(std::string_view conninfo, std::string_view keyword);

// Appends "keyword=value" unless the conninfo already sets it (URIs get ?/& parameters).
std::string with_default(std::string conninfo, std::string_view keyword, std::string_view value);

// A conninfo with its password taken out, for a child's command line (which `ps` shows to every
// user) while the password goes to the child's PGPASSWORD. With a password, `conninfo` is the
// other settings as key='value' pairs (a URI's parts too); without one, or when it does not
// parse, the conninfo as written.
struct PasswordApart {
    std::string conninfo;
    std::optional<std::string> password;
};
PasswordApart password_apart(std::string_view conninfo);

}  // namespace pgwarden::text
