#include "failover/policy.hpp"

#include "failover/primary_monitor.hpp"
#include "failover/standby_monitor.hpp"

namespace pgwarden::failover {

std::string describe_policy() {
    return StandbyMonitor::describe_table() + "\n" + PrimaryMonitor::describe_table();
}

}  // namespace pgwarden::failover
