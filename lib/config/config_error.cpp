#include "config/config_error.hpp"

#include <fmt/format.h>

namespace pgwarden::config {
namespace {

std::string join_problems(const std::vector<ConfigProblem>& problems) {
    std::string text;
    for (const auto& problem : problems) {
        if (!text.empty())
            text += '\n';
        text += problem.to_string();
    }
    return text;
}

std::vector<ConfigProblem> non_empty(std::vector<ConfigProblem> problems) {
    if (problems.empty())
        problems.push_back({"", 0, "configuration error (no details)"});
    return problems;
}

}  // namespace

std::string quote_for_message(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string ConfigProblem::to_string() const {
    if (line > 0)
        return fmt::format("{}:{}: {}", file, line, reason);
    return fmt::format("{}: {}", file, reason);
}

ConfigError::ConfigError(std::string file, int line, const std::string& reason)
    : ConfigError(std::vector<ConfigProblem>{{std::move(file), line, reason}}) {}

ConfigError::ConfigError(std::vector<ConfigProblem> problems)
    : std::runtime_error(join_problems(non_empty(problems))),
      problems_(non_empty(std::move(problems))) {}

}  // namespace pgwarden::config
