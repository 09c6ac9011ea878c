#include "model/node_record.hpp"

#include <fmt/format.h>

namespace pgwarden::model {

std::string describe(const NodeRecord& node) {
    return fmt::format("\"{}\" (ID: {})", node.node_name, node.node_id);
}

}  // namespace pgwarden::model
