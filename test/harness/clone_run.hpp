// A standby clone of one PgCluster node by repmgr or by pgwarden, each into a directory of its
// own, for the tests that compare what the two programs copy and write.
#pragma once

#include "pg_cluster.hpp"
#include "run_command.hpp"

#include <string>
#include <vector>

namespace pgwarden::test {

struct Clone {
    CommandResult result;
    std::string dir;       // <cluster dir>/clone-<label>-<program>: repmgr.conf and data/
    std::string data_dir;  // dir + "/data", the clone's data_directory

    // The command, its exit status and all it wrote to stderr, for Catch's INFO.
    std::string describe() const { return result.describe() + "\n" + result.err; }
};

// `standby clone` of node `upstream` (standby_clone_args, with -U `user`, then `options`) as
// node 2 ("node2", on a free port), by repmgr or pgwarden, with `extra_conf` lines in its
// repmgr.conf.
Clone run_clone(const PgCluster& cluster, bool repmgr, const std::string& label,
                const std::vector<std::string>& options, const std::string& extra_conf,
                int upstream = 1, const std::string& user = "postgres");

// `standby clone` as node 2, as run_clone, but with the whole command line `args` (the source's
// connection options and the command words included).
Clone run_clone_args(const PgCluster& cluster, bool repmgr, const std::string& label,
                     const std::vector<std::string>& args, const std::string& extra_conf);

}  // namespace pgwarden::test
