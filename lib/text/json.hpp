// The little JSON the probe and the CLI write: quoting a string safely.
#pragma once

#include <string>
#include <string_view>

namespace pgwarden::text {

// `text` as a JSON string literal, quotes included; control and non-ASCII bytes become \u00XX so
// the output is ASCII whatever the input.
std::string json_string(std::string_view text);

}  // namespace pgwarden::text
