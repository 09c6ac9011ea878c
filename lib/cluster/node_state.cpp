#include "cluster/node_state.hpp"

namespace pgwarden::cluster {

Role role_of(const NodeState& state) {
    if (!state.reachable)
        return Role::unknown;
    return state.in_recovery ? Role::standby : Role::primary;
}

std::string_view role_name(Role role) {
    switch (role) {
        case Role::primary:
            return "primary";
        case Role::standby:
            return "standby";
        case Role::unknown:
            break;
    }
    return "unknown";
}

bool is_serving(const NodeState& state) {
    return state.reachable && state.accepting_connections;
}

bool is_writable_primary(const NodeState& state) {
    return is_serving(state) && role_of(state) == Role::primary;
}

}  // namespace pgwarden::cluster
