// Shared I/O of the standby commands (see the header).
#include "standby_actions.hpp"

#include "standby_decisions.hpp"

#include "cluster/replication_queries.hpp"
#include "lease/small_file.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pgwarden::cli::standby {
namespace {

constexpr int kExecFailed = 127;
constexpr int kSignalBase = 128;
constexpr const char* kProbeConnectTimeout = "10";

}  // namespace

config::RepmgrConfig load_config(const CliOptions& options) {
    // As repmgr: --dry-run reports its checks at INFO unless a level was asked for.
    if (options.dry_run && !options.log_level && !options.quiet && !log::enabled(log::Level::info))
        log::set_level(log::Level::info);
    return reg::load_config(options);
}

std::optional<ReachablePrimary> find_reachable_primary(
    const std::vector<cluster::NodeRecord>& nodes, std::optional<int> skip_node_id) {
    std::vector<const cluster::NodeRecord*> order;
    for (const auto& node : nodes) {
        if (node.active && node.type == model::NodeType::primary)
            order.push_back(&node);
    }
    for (const auto& node : nodes) {
        if (!(node.active && node.type == model::NodeType::primary) &&
            node.type != model::NodeType::witness)
            order.push_back(&node);
    }
    for (const auto* node : order) {
        if (skip_node_id && node->node_id == *skip_node_id)
            continue;
        // A host that drops packets must not stall the search forever (libpq's default).
        auto conn = try_connect(
            text::with_default(node->conninfo, "connect_timeout", kProbeConnectTimeout));
        if (!conn)
            continue;
        if (cluster::query_role(*conn) == cluster::Role::primary)
            return ReachablePrimary{node->node_id, std::move(*conn)};
    }
    return std::nullopt;
}

std::optional<cluster::NodeRecord> primary_record(const std::vector<cluster::NodeRecord>& nodes) {
    for (const auto& node : nodes) {
        if (node.active && node.type == model::NodeType::primary)
            return node;
    }
    return std::nullopt;
}

bool is_attached(pg::Connection& upstream, const std::string& node_name) {
    try {
        for (const auto& state : cluster::replication_states(upstream, node_name)) {
            if (state == "streaming")
                return true;
        }
    } catch (const pg::PgError& e) {
        log::debug("{}", e.what());
    }
    return false;
}

bool ensure_slot(pg::Connection& conn, const std::string& slot_name, const std::string& where) {
    if (const auto existing = cluster::replication_slot(conn, slot_name)) {
        if (existing->slot_type != "physical") {
            log::error("slot \"{}\" exists on {} and is not a physical slot", slot_name, where);
            return false;
        }
        if (existing->active) {
            log::error("replication slot \"{}\" on {} is active", slot_name, where);
            hint(log::Level::error,
                 "another standby is using this slot; check node_id values "
                 "are unique and that this node is not already streaming");
            return false;
        }
        log::info("replication slot \"{}\" already exists on {}, reusing it", slot_name, where);
        return true;
    }
    cluster::create_physical_slot(conn, slot_name);
    log::info("replication slot \"{}\" created on {}", slot_name, where);
    return true;
}

void drop_inactive_slot(pg::Connection& conn, const std::string& slot_name) {
    try {
        cluster::drop_slot_if_inactive(conn, slot_name);
    } catch (const pg::PgError& e) {
        log::warning("unable to drop replication slot \"{}\": {}", slot_name, e.what());
    }
}

int run_program(const std::vector<std::string>& argv) {
    if (argv.empty())
        throw std::invalid_argument("run_program: empty command");
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::fflush(nullptr);  // buffered log lines must not be written twice
    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error(
            fmt::format("could not fork to run \"{}\": {}", argv.front(), std::strerror(errno)));
    if (pid == 0) {
        execvp(args[0], args.data());
        _exit(kExecFailed);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw std::runtime_error(
                fmt::format("waitpid for \"{}\" failed: {}", argv.front(), std::strerror(errno)));
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return kSignalBase + WTERMSIG(status);
    return kExecFailed;
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        return {};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text_file(const std::string& path, const std::string& content) {
    if (auto failure = lease::write_file_atomically(path, content, 0600))
        throw std::runtime_error(fmt::format("could not write \"{}\": {}", path, *failure));
}

}  // namespace pgwarden::cli::standby
