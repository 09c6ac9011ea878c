// standby promote --siblings-follow, as repmgr 5.3: the standbys (and witness) that share the
// promoted node's upstream are checked over SSH before the promotion and told to run
// `standby follow` through SSH after it.
#pragma once

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"

#include <string>
#include <vector>

namespace pgwarden::cli::standby {

// Active nodes with the same upstream as `local`, other than it, in node_id order (repmgr's
// get_active_sibling_node_records).
std::vector<cluster::NodeRecord> active_siblings(const std::vector<cluster::NodeRecord>& nodes,
                                                 const cluster::NodeRecord& local);

struct SiblingPlan {
    std::vector<cluster::NodeRecord> siblings;
    std::vector<bool> reachable;  // one per sibling: `ssh host true` worked
    int unreachable = 0;
    int min_wal_senders = 0;  // one per reachable sibling
    int min_free_slots = 0;   // one per reachable sibling with a slot
};

struct SiblingOptions {
    bool follow = false;  // --siblings-follow
    bool force = false;
    bool dry_run = false;
    std::string remote_user;  // -R; empty: ssh's default
};

// repmgr's check_sibling_nodes: without --siblings-follow a warning naming the siblings that stay
// behind; with it, an SSH test of each. False (after the error and hint) when a sibling cannot be
// reached and -F was not given.
bool check_siblings(SiblingPlan& plan, const config::RepmgrConfig& config,
                    const SiblingOptions& options);

// repmgr's check_free_wal_senders / check_free_slots on the promotion candidate. False when
// promotion must stop; `dry_run_ok` turns false for a failed check in --dry-run.
bool enough_wal_senders(const SiblingPlan& plan, int available, const SiblingOptions& options,
                        bool& dry_run_ok);
bool enough_free_slots(const SiblingPlan& plan, int available, const SiblingOptions& options,
                       bool& dry_run_ok);

// The SSH side, shared with standby switchover: a node's host from its conninfo, the local
// command line `ssh -o Batchmode=yes <ssh_options> [-l user] -- <host> <remote>` that runs the
// /bin/sh command line `remote` on the host (each word quoted for the local shell, `remote` as
// one word that ssh hands to the far side's shell), repmgr's test_ssh_connection, and the
// pgwarden command line a node runs: repmgr_bindir's pgwarden, -f its record's config_file, then
// `args`, each word quoted for the far side's shell (exec::shell_words).
std::string host_of(const cluster::NodeRecord& node);
std::string ssh_command(const std::string& host, const config::RepmgrConfig& config,
                        const SiblingOptions& options, const std::string& remote);
bool ssh_reachable(const std::string& host, const config::RepmgrConfig& config,
                   const SiblingOptions& options);
std::string remote_pgwarden(const cluster::NodeRecord& node, const config::RepmgrConfig& config,
                            const std::vector<std::string>& args);

// repmgr's sibling_nodes_follow: `pgwarden -f <config_file> standby follow` on each reachable
// sibling through ssh (a witness is re-registered instead), then a summary line.
void follow_siblings(const SiblingPlan& plan, const cluster::NodeRecord& new_primary,
                     const config::RepmgrConfig& config, const SiblingOptions& options);

}  // namespace pgwarden::cli::standby
