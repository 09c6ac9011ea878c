// repmgr.conf files and runs of repmgr or pgwarden by config path, for tests that register the
// nodes of a PgCluster themselves (RepmgrCluster registers them up front).
#pragma once

#include "pg_cluster.hpp"
#include "run_command.hpp"

#include <string>
#include <vector>

namespace pgwarden::test {

// repmgr.conf for node i (node_id i, node_name node<i>, replication slots on) plus `extra`
// lines, as <cluster dir>/repmgr<i>.conf or `file`; readable by postgres. Returns its path.
std::string write_conf(const PgCluster& cluster, int i, const std::string& extra = "",
                       const std::string& file = "");

// A role `role` (created on node 1) that may log in and read repmgr's metadata but is no
// superuser, and node i's repmgr.conf connecting as it, as <cluster dir>/<role><i>.conf: for the
// checks that say what a non-superuser repmgr user cannot do. Returns its path.
std::string write_conf_as_reader(const PgCluster& cluster, int i, const std::string& role);

// `pgwarden -f conf args...` / `repmgr -f conf args...` as the postgres OS user, 60 s at most.
CommandResult run_pgwarden(const std::string& conf, std::vector<std::string> args);
CommandResult run_repmgr(const std::string& conf, std::vector<std::string> args);

// `-h 127.0.0.1 -p <upstream's port> -U postgres -d postgres --fast-checkpoint standby clone`:
// a clone of `upstream` as the tests run it (a fast checkpoint, or an idle primary makes it wait).
std::vector<std::string> standby_clone_args(const PgCluster& cluster, int upstream);

}  // namespace pgwarden::test
