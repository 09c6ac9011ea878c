// standby promote --siblings-follow (see the header). SSH runs through /bin/sh with a time limit,
// so a host that never answers cannot hold the promotion.
#include "standby_siblings.hpp"

#include "register_support.hpp"
#include "standby_decisions.hpp"

#include "exec/shell.hpp"
#include "exec/shell_quote.hpp"
#include "log/log.hpp"

#include "text/shell_quote.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace pgwarden::cli::standby {
namespace {

// ssh's own ConnectTimeout (in the default ssh_options) is 10 s; this bounds the whole command.
constexpr std::chrono::seconds kSshTestTimeout{30};
constexpr std::chrono::seconds kRemoteFollowTimeout{300};

}  // namespace

std::string host_of(const cluster::NodeRecord& node) {
    return get_param(parse_conninfo(node.conninfo), "host").value_or("");
}

using text::shell_quote;

std::string ssh_command(const std::string& host, const config::RepmgrConfig& config,
                        const SiblingOptions& options, const std::string& remote) {
    // ssh_options is the operator's own ssh syntax, as repmgr pastes it; every other word is data.
    std::string command = "ssh -o Batchmode=yes";
    if (!config.ssh_options.empty())
        command += " " + config.ssh_options;
    if (!options.remote_user.empty())
        command += " -l " + shell_quote(options.remote_user);
    // "--": a host starting with '-' (from a node record) is a host, not an ssh option.
    return command + " -- " + shell_quote(host) + " " + shell_quote(remote);
}

// repmgr's test_ssh_connection: `true` on the remote host, in either of its usual places.
bool ssh_reachable(const std::string& host, const config::RepmgrConfig& config,
                   const SiblingOptions& options) {
    for (const char* true_path : {"/bin/true", "/usr/bin/true"}) {
        const std::string command = ssh_command(host, config, options, true_path) + " 2>/dev/null";
        log::debug("test_ssh_connection(): executing {}", command);
        if (exec::run_shell(command, kSshTestTimeout, log::Level::debug).ok())
            return true;
    }
    log::warning("unable to connect to remote host \"{}\" via SSH", host);
    return false;
}

std::string remote_pgwarden(const cluster::NodeRecord& node, const config::RepmgrConfig& config,
                            const std::vector<std::string>& args) {
    std::string path;
    if (!config.repmgr_bindir.empty()) {
        path = config.repmgr_bindir;
        if (path.back() != '/')
            path += '/';
    }
    std::vector<std::string> words = {path + "pgwarden", "-f", node.config_file};
    words.insert(words.end(), args.begin(), args.end());
    return exec::shell_words(words);
}

std::vector<cluster::NodeRecord> active_siblings(const std::vector<cluster::NodeRecord>& nodes,
                                                 const cluster::NodeRecord& local) {
    std::vector<cluster::NodeRecord> siblings;
    for (const auto& node : nodes) {
        if (node.active && node.node_id != local.node_id &&
            node.upstream_node_id == local.upstream_node_id && local.upstream_node_id)
            siblings.push_back(node);
    }
    std::sort(siblings.begin(), siblings.end(),
              [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
    return siblings;
}

bool check_siblings(SiblingPlan& plan, const config::RepmgrConfig& config,
                    const SiblingOptions& options) {
    const auto& siblings = plan.siblings;
    if (!options.follow) {
        if (!siblings.empty()) {
            std::string names;
            for (const auto& node : siblings) {
                names += fmt::format(
                    "{}  {} (node ID: {}{})", names.empty() ? "" : "\n", node.node_name,
                    node.node_id, node.type == model::NodeType::witness ? ", witness server" : "");
            }
            log::warning("{} sibling nodes found, but option \"--siblings-follow\" not specified",
                         siblings.size());
            reg::detail(log::Level::warning,
                        "these nodes will remain attached to the current primary:\n" + names);
        }
        return true;
    }
    log::debug("{} active sibling nodes found", siblings.size());
    if (siblings.empty()) {
        log::warning("option \"--sibling-nodes\" specified, but no sibling nodes exist");
        return true;
    }
    plan.reachable.clear();
    for (const auto& node : siblings) {
        const bool reachable = ssh_reachable(host_of(node), config, options);
        plan.reachable.push_back(reachable);
        if (!reachable) {
            ++plan.unreachable;
            continue;
        }
        ++plan.min_wal_senders;
        if (node.slot_name && !node.slot_name->empty())
            ++plan.min_free_slots;
    }
    if (plan.unreachable == 0) {
        log::at(options.dry_run ? log::Level::info : log::Level::debug,
                "all sibling nodes are reachable via SSH");
        return true;
    }
    const auto level = options.force ? log::Level::warning : log::Level::error;
    log::at(level, "{} of {} sibling nodes unreachable via SSH:", plan.unreachable,
            siblings.size());
    for (std::size_t i = 0; i < siblings.size(); ++i) {
        if (!plan.reachable[i])
            reg::detail(level,
                        fmt::format("  {} (ID: {})", siblings[i].node_name, siblings[i].node_id));
    }
    if (!options.force) {
        reg::hint(level, "use -F/--force to proceed in any case");
        return false;
    }
    reg::detail(level, options.dry_run ? "F/--force specified, would proceed anyway"
                                       : "F/--force specified, proceeding anyway");
    return true;
}

namespace {

// repmgr's shared shape of the walsender and slot checks.
bool enough(int required, int available, const SiblingOptions& options, bool& dry_run_ok,
            const std::string& what_error, const std::string& detail_error,
            const std::string& detail_warning, const std::string& hint,
            const std::string& dry_run_info) {
    if (available >= required) {
        if (options.dry_run)
            log::info("{}", dry_run_info);
        return true;
    }
    if (!options.force || options.dry_run) {
        log::error("{}", what_error);
        reg::detail(log::Level::error, detail_error);
        reg::hint(log::Level::error, hint);
        if (options.dry_run) {
            dry_run_ok = false;
            return true;
        }
        return false;
    }
    log::warning("{}", what_error);
    reg::detail(log::Level::warning, detail_warning);
    return false;
}

}  // namespace

bool enough_wal_senders(const SiblingPlan& plan, int available, const SiblingOptions& options,
                        bool& dry_run_ok) {
    const int required = plan.min_wal_senders;
    return enough(
        required, available, options, dry_run_ok,
        "insufficient free walsenders on promotion candidate",
        fmt::format("at least {} walsenders required but only {} free walsenders on promotion "
                    "candidate",
                    required, available),
        fmt::format("at least {} walsenders required but only {} free walsender(s) on promotion "
                    "candidate",
                    required, available),
        "increase parameter \"max_wal_senders\" or use -F/--force to proceed in any case",
        fmt::format("{} walsenders required, {} available", required, available));
}

bool enough_free_slots(const SiblingPlan& plan, int available, const SiblingOptions& options,
                       bool& dry_run_ok) {
    const int required = plan.min_free_slots;
    if (required == 0)
        return true;
    log::debug("minimum of {} free slots ({} for siblings) required; {} available", required,
               required, available);
    const std::string detail = fmt::format(
        "at least {} additional replication slots required but only {} free slots available on "
        "promotion candidate",
        required, available);
    // repmgr only warns when -F is given outside --dry-run, and then carries on.
    if (available < required && options.force && !options.dry_run)
        return true;
    return enough(required, available, options, dry_run_ok,
                  "insufficient free replication slots to attach all nodes", detail, detail,
                  "increase parameter \"max_replication_slots\" or use -F/--force to proceed in "
                  "any case",
                  fmt::format("{} replication slots required, {} available", required, available));
}

void follow_siblings(const SiblingPlan& plan, const cluster::NodeRecord& new_primary,
                     const config::RepmgrConfig& config, const SiblingOptions& options) {
    const int total = static_cast<int>(plan.siblings.size());
    log::notice("executing STANDBY FOLLOW on {} of {} siblings", total - plan.unreachable, total);
    int failed = 0;
    for (std::size_t i = 0; i < plan.siblings.size(); ++i) {
        if (!plan.reachable[i])
            continue;
        const auto& node = plan.siblings[i];
        const bool witness = node.type == model::NodeType::witness;
        const std::string remote =
            remote_pgwarden(node, config,
                            witness ? std::vector<std::string>{"witness", "register", "-d",
                                                               new_primary.conninfo, "--force"}
                                    : std::vector<std::string>{"standby", "follow"}) +
            " 2>/dev/null && echo \"1\" || echo \"0\"";
        const std::string command = ssh_command(host_of(node), config, options, remote);
        log::debug("executing:\n  {}", command);
        const auto outcome = exec::run_shell(command, kRemoteFollowTimeout, log::Level::debug);
        if (!outcome.ok() || outcome.output.empty() || outcome.output[0] == '0') {
            log::warning("{} failed on node \"{}\"",
                         witness ? "WITNESS REGISTER" : "STANDBY FOLLOW", node.node_name);
            ++failed;
        }
    }
    if (failed == 0)
        log::info("STANDBY FOLLOW successfully executed on all reachable sibling nodes");
    else
        log::warning("execution of STANDBY FOLLOW failed on {} sibling nodes", failed);
}

}  // namespace pgwarden::cli::standby
