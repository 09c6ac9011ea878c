#include "config/libpq_conninfo.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace pgwarden::config {
namespace {

// The keywords PQconndefaults() returns in libpq 15, in its order. lib/config reads no server, so
// it keeps its own copy instead of linking libpq; test/unit/text_conninfo_test.cpp checks it
// against the libpq the tests link.
constexpr std::array<std::string_view, 36> kLibpq15Keywords = {
    "service",
    "user",
    "password",
    "passfile",
    "channel_binding",
    "connect_timeout",
    "dbname",
    "host",
    "hostaddr",
    "port",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "sslmode",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "gssencmode",
    "krbsrvname",
    "gsslib",
    "replication",
    "target_session_attrs",
};

std::size_t libpq_position(std::string_view keyword) {
    return static_cast<std::size_t>(
        std::find(kLibpq15Keywords.begin(), kLibpq15Keywords.end(), keyword) -
        kLibpq15Keywords.begin());
}

}  // namespace

std::span<const std::string_view> libpq_keywords() {
    return kLibpq15Keywords;
}

bool is_libpq_keyword(std::string_view keyword) {
    return libpq_position(keyword) < kLibpq15Keywords.size();
}

text::ParsedConninfo parse_libpq_conninfo(std::string_view conninfo) {
    text::ParsedConninfo parsed = text::parse_conninfo(conninfo, is_libpq_keyword);
    parsed.params = in_libpq_order(std::move(parsed.params));
    return parsed;
}

std::optional<std::string> conninfo_error(std::string_view conninfo) {
    return text::parse_conninfo(conninfo, is_libpq_keyword).error;
}

std::vector<text::ConninfoParam> in_libpq_order(std::vector<text::ConninfoParam> params) {
    std::vector<text::ConninfoParam> once;
    for (auto& param : params) {
        const auto seen = std::find_if(once.begin(), once.end(),
                                       [&](const auto& p) { return p.keyword == param.keyword; });
        if (seen == once.end())
            once.push_back(std::move(param));
        else
            seen->value = std::move(param.value);
    }
    std::stable_sort(once.begin(), once.end(), [](const auto& a, const auto& b) {
        return libpq_position(a.keyword) < libpq_position(b.keyword);
    });
    return once;
}

}  // namespace pgwarden::config
