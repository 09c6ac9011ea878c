#include "config/conninfo_file.hpp"

#include "config/config_error.hpp"
#include "config/text_file.hpp"

#include <fmt/format.h>

#include <string_view>

namespace pgwarden::config {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
    throw ConfigError(path, 0,
                      fmt::format("could not read the conninfo file: {} (it should hold one libpq "
                                  "conninfo and be readable by this user only)",
                                  reason));
}

}  // namespace

std::string read_conninfo_file(const std::string& path) {
    auto file = read_text_file(path, kMaxConninfoFileBytes);
    if (!file.error.empty())
        fail(path, file.error);
    auto& text = file.text;
    while (!text.empty() && std::string_view(" \t\r\n").find(text.back()) != std::string_view::npos)
        text.pop_back();
    if (text.empty())
        fail(path, "the file is empty");
    return text;
}

}  // namespace pgwarden::config
