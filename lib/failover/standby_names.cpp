// The standby machine's words for the log and the printed policy: its states as an operator
// says them, its events as the debug log names them.
#include "failover/standby_monitor.hpp"

namespace pgwarden::failover {

std::string_view observed_name(Observed what) {
    switch (what) {
        case Observed::tick:
            return "tick";
        case Observed::upstream_alive:
            return "upstream_alive";
        case Observed::upstream_lost:
            return "upstream_lost";
        case Observed::new_primary:
            return "new_primary";
        case Observed::election_won:
            return "election_won";
        case Observed::election_lost:
            return "election_lost";
        case Observed::election_follow:
            return "election_follow";
        case Observed::election_cancelled:
            return "election_cancelled";
        case Observed::election_not_candidate:
            return "election_not_candidate";
        case Observed::promote_succeeded:
            return "promote_succeeded";
        case Observed::promote_failed:
            return "promote_failed";
        case Observed::promote_aborted:
            return "promote_aborted";
        case Observed::follow_succeeded:
            return "follow_succeeded";
        case Observed::follow_failed:
            return "follow_failed";
        case Observed::follow_aborted:
            return "follow_aborted";
        case Observed::local_lost:
            return "local_lost";
        case Observed::local_back:
            return "local_back";
        case Observed::local_promoted:
            return "local_promoted";
    }
    return "unknown";
}

std::string_view state_name(StandbyState state) {
    switch (state) {
        case StandbyState::monitoring:
            return "monitoring";
        case StandbyState::reconnecting:
            return "reconnecting";
        case StandbyState::lease_wait:
            return "waiting out the old primary's lease";
        case StandbyState::electing:
            return "electing";
        case StandbyState::promoting:
            return "promoting";
        case StandbyState::waiting_for_primary:
            return "waiting for the new primary";
        case StandbyState::following:
            return "following";
        case StandbyState::degraded:
            return "degraded";
        case StandbyState::promoted:
            return "promoted";
        case StandbyState::giving_up:
            return "giving up";
        case StandbyState::local_down:
            return "local node down";
    }
    return "unknown";
}

}  // namespace pgwarden::failover
