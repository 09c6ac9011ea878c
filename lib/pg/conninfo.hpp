// Conninfo strings: masking secrets for messages, and adding defaults a daemon needs.
#pragma once

#include <string>
#include <string_view>

namespace pgwarden::pg {

// Replaces the value of every password keyword (key=value form or a postgresql:// URI's
// user:password@) with "********", leaving the rest as written.
std::string mask_password(std::string_view conninfo);

// True when the conninfo (key=value form) sets `keyword`; URIs are checked for ?keyword=.
bool has_keyword(std::string_view conninfo, std::string_view keyword);

// Appends "keyword=value" unless the conninfo already sets it (URIs get ?/& parameters).
std::string with_default(std::string conninfo, std::string_view keyword, std::string_view value);

}  // namespace pgwarden::pg
