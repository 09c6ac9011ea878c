// Conninfo strings as libpq 15 reads them, without libpq: repmgr rejects a conninfo whose
// keywords libpq does not know (values are checked only when connecting), and repmgr writes
// conninfos back in libpq's keyword order.
#pragma once

#include "text/conninfo.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::config {

// The keywords libpq 15 knows, in PQconndefaults() order.
std::span<const std::string_view> libpq_keywords();

// True for a keyword libpq 15 knows.
bool is_libpq_keyword(std::string_view keyword);

// What PQconninfoParse() returns: the keywords set, each once with the value written last, in
// libpq's keyword order; or its message (syntax, or an unknown keyword) without the newline.
text::ParsedConninfo parse_libpq_conninfo(std::string_view conninfo);

// PQconninfoParse()'s message for a conninfo libpq rejects; nullopt when it accepts it.
std::optional<std::string> conninfo_error(std::string_view conninfo);

// `params` in libpq's keyword order, a repeated keyword once with its last value; keywords libpq
// does not know come last, in the order given.
std::vector<text::ConninfoParam> in_libpq_order(std::vector<text::ConninfoParam> params);

}  // namespace pgwarden::config
