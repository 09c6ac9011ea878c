// A login role for standby clone's -U that is no superuser: for the tests of what each clone step
// needs and of -S/--superuser.
#pragma once

#include "pg_cluster.hpp"

#include <string>

namespace pgwarden::test {

// Creates role `name` on node 1 with `attributes` (e.g. "REPLICATION", or "" for none) that may
// read and write the repmgr metadata, as the repmgr user of a site whose extension a superuser
// installed. Returns `name`.
std::string clone_user(const PgCluster& cluster, const std::string& name,
                       const std::string& attributes);

}  // namespace pgwarden::test
