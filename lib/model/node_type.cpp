#include "model/node_type.hpp"

#include <array>
#include <utility>

namespace pgwarden::model {
namespace {

constexpr std::array<std::pair<NodeType, std::string_view>, 4> kNames{{
    {NodeType::primary, "primary"},
    {NodeType::standby, "standby"},
    {NodeType::witness, "witness"},
    {NodeType::bdr, "bdr"},
}};

}  // namespace

std::optional<NodeType> parse_node_type(std::string_view text) {
    for (const auto& [type, name] : kNames)
        if (name == text)
            return type;
    return std::nullopt;
}

std::string_view node_type_name(NodeType type) {
    for (const auto& [candidate, name] : kNames)
        if (candidate == type)
            return name;
    return "unknown";
}

}  // namespace pgwarden::model
