#include "failover/mode.hpp"

namespace pgwarden::failover {

std::string_view mode_name(DaemonMode mode) {
    switch (mode) {
        case DaemonMode::primary:
            return "primary";
        case DaemonMode::standby:
            return "standby";
        case DaemonMode::witness:
            return "witness";
    }
    return "unknown";
}

DaemonMode mode_for(model::NodeType recorded_type, bool local_in_recovery) {
    if (recorded_type == model::NodeType::witness)
        return DaemonMode::witness;
    return local_in_recovery ? DaemonMode::standby : DaemonMode::primary;
}

}  // namespace pgwarden::failover
