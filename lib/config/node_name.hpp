// Which node_name values register accepts: repmgr 5.3 takes any text, but a name is pasted into
// shell commands (%a) and is a standby's application_name, so a character no real cluster uses
// there and a shell reads as syntax is refused before the name reaches repmgr.nodes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::config {

// Why `name` cannot be registered, or nullopt: it must be 1-63 characters of letters, digits and
// "-_.@+:,".
std::optional<std::string> node_name_problem(std::string_view name);

}  // namespace pgwarden::config
