#include "pg/result.hpp"

namespace pgwarden::pg {

std::string trim_message(std::string_view message) {
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.remove_suffix(1);
    }
    std::string out(message);
    for (char& c : out) {
        if (c == '\n')
            c = ' ';
    }
    return out;
}

std::string Result::error_message() const {
    if (!res_)
        return "no result";
    return trim_message(PQresultErrorMessage(res_.get()));
}

}  // namespace pgwarden::pg
