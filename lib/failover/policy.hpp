// The whole failover policy on one screen: both machines' tables (state, event, guard, next
// state, why), for `pgwardend --describe-policy` and the golden file the tests compare.
#pragma once

#include <string>

namespace pgwarden::failover {

std::string describe_policy();

}  // namespace pgwarden::failover
