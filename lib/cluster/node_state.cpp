#include "cluster/node_state.hpp"

namespace pgwarden::cluster {

Role role_from_recovery(std::optional<bool> in_recovery) {
    if (!in_recovery)
        return Role::unknown;
    return *in_recovery ? Role::standby : Role::primary;
}

Role role_of(const NodeState& state) {
    return role_from_recovery(state.reachable ? std::optional<bool>(state.in_recovery)
                                              : std::nullopt);
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
    return is_serving(state) && role_of(state) == Role::primary && state.lease_allows_primary;
}

}  // namespace pgwarden::cluster
