// One word for /bin/sh, whatever it holds: single-quoted, each ' written as '"'"'.
#pragma once

#include <string>
#include <string_view>

namespace pgwarden::text {

std::string shell_quote(std::string_view word);

}  // namespace pgwarden::text
