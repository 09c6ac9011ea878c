#include "config/node_name.hpp"

#include "config/repmgr_config.hpp"

#include <fmt/format.h>

namespace pgwarden::config {

std::optional<std::string> node_name_problem(std::string_view name) {
    if (name.empty())
        return std::string("\"node_name\" is empty");
    if (name.size() > kMaxNodeNameLength)
        return fmt::format("\"node_name\" has more than {} characters", kMaxNodeNameLength);
    for (const char c : name) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') ||
                             std::string_view("-_.@+:,").find(c) != std::string_view::npos;
        if (!allowed)
            return fmt::format(
                "\"node_name\" contains {}; only letters, digits and \"-_.@+:,\" are accepted, "
                "as the name is an application_name and goes into shell commands",
                c >= 0x21 && c < 0x7f
                    ? fmt::format("'{}'", c)
                    : fmt::format("the byte 0x{:02x}", static_cast<unsigned char>(c)));
    }
    return std::nullopt;
}

}  // namespace pgwarden::config
