#include "failover/actions.hpp"

namespace pgwarden::failover {

std::string_view act_name(Act what) {
    switch (what) {
        case Act::check_upstream:
            return "check_upstream";
        case Act::look_for_primary:
            return "look_for_primary";
        case Act::run_election:
            return "run_election";
        case Act::promote:
            return "promote";
        case Act::follow:
            return "follow";
        case Act::notify_siblings:
            return "notify_siblings";
        case Act::record_event:
            return "record_event";
        case Act::give_up:
            return "give_up";
        case Act::check_local:
            return "check_local";
        case Act::check_children:
            return "check_children";
        case Act::run_child_disconnect_command:
            return "run_child_disconnect_command";
        case Act::become_standby:
            return "become_standby";
        case Act::set_local_active:
            return "set_local_active";
    }
    return "unknown";
}

}  // namespace pgwarden::failover
