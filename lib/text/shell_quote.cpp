#include "text/shell_quote.hpp"

namespace pgwarden::text {

std::string shell_quote(std::string_view word) {
    std::string quoted = "'";
    for (const char c : word) {
        if (c == '\'')
            quoted += "'\"'\"'";
        else
            quoted += c;
    }
    return quoted + "'";
}

}  // namespace pgwarden::text
