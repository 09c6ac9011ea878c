// What a node is in repmgr's metadata (repmgr.nodes.type), as one enum instead of strings.
#pragma once

#include "model/text_formatter.hpp"

#include <optional>
#include <string_view>

namespace pgwarden::model {

enum class NodeType { primary, standby, witness, bdr };

// repmgr's spelling ("primary", "standby", "witness", "bdr"); nullopt for anything else.
std::optional<NodeType> parse_node_type(std::string_view text);

// The name as repmgr writes it in repmgr.nodes and in its messages.
std::string_view node_type_name(NodeType type);

}  // namespace pgwarden::model

// Lets messages print a NodeType with "{}" exactly as repmgr would print the string.
template <>
struct fmt::formatter<pgwarden::model::NodeType>
    : pgwarden::model::TextFormatter<pgwarden::model::NodeType, &pgwarden::model::node_type_name> {
};
