// A primary that reads configuration files from outside its data directory (as Debian's
// /etc/postgresql/NN/main/), and the repmgr.conf lines that let both programs copy them over the
// loopback sshd: for the --copy-external-config-files tests.
#pragma once

#include "log_file.hpp"  // file_contents
#include "pg_cluster.hpp"

#include <string>

namespace pgwarden::test {

// The permission bits of `path`, 0 when it does not exist.
unsigned file_mode(const std::string& path);

// node1 of `cluster` reads work_mem from <cluster>/etc/extra.conf (an include of its
// postgresql.conf) and its hba_file from <cluster>/etc/pg_hba.conf, mode 0640, after a restart.
// Returns the directory.
std::string move_config_out(PgCluster& cluster);

// What the clones' repmgr.conf say about SSH: ssh_options for both (the SSH check, pgwarden's
// copy); rsync_options for repmgr's rsync, whose default --rsh=ssh would not reach this sshd.
std::string clone_ssh_conf(const std::string& ssh_options);

}  // namespace pgwarden::test
