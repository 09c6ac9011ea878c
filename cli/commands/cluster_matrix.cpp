// `pgwarden cluster matrix|crosscheck`: how every node sees every other, as repmgr 5.3 finds out,
// but first through the database where pgwardend runs (cluster/node_views.hpp): each daemon
// publishes what it reaches, and relays what the nodes it reaches publish, in its node's
// pg_stat_activity. matrix: this node connects to each node; a node's row is its published view,
// else one relayed by another node, else its `cluster show --csv` through ssh; crosscheck: each
// node's published matrix, else its `cluster matrix --csv` (through ssh, this one locally), and
// the views are merged. The remote program is pgwarden, in repmgr_bindir (as repmgr's is).
#include "../cluster_matrix.hpp"
#include "../cli_options.hpp"
#include "../cluster_status.hpp"
#include "../command_registry.hpp"
#include "../register_support.hpp"
#include "../standby_siblings.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/node_views.hpp"
#include "exec/shell.hpp"
#include "log/log.hpp"
#include "text/conninfo.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace pgwarden::cli {
namespace {

using log::Level;

// A node's `cluster show` answers in a connect_timeout or two; its `cluster matrix` asks every
// other node in turn, over ssh (ConnectTimeout=10 by default) as well.
constexpr std::chrono::seconds kShowTimeout{60};
constexpr std::chrono::seconds kMatrixTimeout{300};
// Without a connect_timeout of its own, a conninfo to a node behind a partition (what the matrix
// is run to diagnose) would wait for TCP's own give-up, minutes, for each such node.
constexpr const char* kViewConnectTimeout = "5";

struct Captured {
    std::string out;
    std::string err;
};

// Runs `command` through /bin/sh with stdout and stderr apart, as repmgr's local_command does
// it: stderr into a temporary file in $TMPDIR.
Captured run_apart(const std::string& command, std::chrono::seconds timeout) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string path = fmt::format("{}/pgwarden_command.XXXXXX", tmpdir ? tmpdir : "/tmp");
    const int fd = ::mkstemp(path.data());
    Captured captured;
    if (fd < 0) {
        log::error("unable to open temporary file");
        return captured;
    }
    ::close(fd);
    log::debug("executing:\n  {}", command);
    const auto outcome = exec::run_shell(command + " 2>" + path, timeout, Level::debug);
    if (outcome.timed_out)
        log::warning("\"{}\" did not finish within {} seconds", command, timeout.count());
    captured.out = outcome.output;
    std::ostringstream err;
    err << std::ifstream(path).rdbuf();
    captured.err = err.str();
    ::unlink(path.c_str());
    return captured;
}

// What repmgr appends to the remote command line: its log level unless -L was given (which is
// then not passed on at all).
std::string remote_command(const cluster::NodeRecord& node, const config::RepmgrConfig& config,
                           const CliOptions& options, const char* action) {
    std::vector<std::string> args;
    std::istringstream words(action);
    for (std::string word; words >> word;)
        args.push_back(word);
    args.insert(args.end(), {"--csv", "--terse"});
    if (!options.log_level)
        args.insert(args.end(), {"-L", "NOTICE"});
    return standby::remote_pgwarden(node, config, args);
}

std::string over_ssh(const cluster::NodeRecord& node, const config::RepmgrConfig& config,
                     const CliOptions& options, const std::string& command) {
    standby::SiblingOptions ssh;
    ssh.remote_user = options.remote_user.value_or("");
    return standby::ssh_command(standby::host_of(node), config, ssh, command);
}

struct Nodes {
    config::RepmgrConfig config;
    std::vector<cluster::NodeRecord> records;
    Matrix empty;
};

std::optional<Nodes> registered_nodes(const CliOptions& options) {
    Nodes nodes{reg::load_config(options), {}, {}};
    log::info("connecting to database");
    auto conn = cluster::connect_local(nodes.config);
    auto records = load_registered_nodes(conn);
    if (!records)
        return std::nullopt;
    nodes.records = std::move(*records);
    std::vector<int> ids;
    std::vector<std::string> names;
    for (const auto& node : nodes.records) {
        ids.push_back(node.node_id);
        names.push_back(node.node_name);
    }
    nodes.empty = empty_matrix(ids, names);
    return nodes;
}

// The fresh rows `node_id` publishes (its daemon's own and those it relays), fresh by that node's
// clock; none where no daemon publishes, or the view cannot be read (another role's session
// without pg_read_all_stats, track_activities off).
std::vector<cluster::ViewRow> published_rows(pg::Connection& conn, int node_id) {
    std::vector<cluster::ViewRow> rows;
    try {
        const auto result = conn.exec(cluster::published_views_sql());
        for (int i = 0; i < result.rows(); ++i) {
            const auto now = text::parse_number<std::int64_t>(result.value(i, 1));
            const auto parsed = cluster::parse_view_query(result.value(i, 0));
            if (!now || !parsed.error.empty()) {
                log::debug("node {} publishes no view: {}", node_id, parsed.error);
                continue;
            }
            const auto fresh = cluster::fresh_rows(parsed.rows, *now);
            rows.insert(rows.end(), fresh.begin(), fresh.end());
        }
    } catch (const pg::PgError& e) {
        log::debug("the views node {} publishes cannot be read: {}", node_id, e.what());
    }
    return rows;
}

// What every node publishes, and whether it accepted a connection with its conninfo (the check
// `cluster show` makes).
std::pair<Published, std::vector<bool>> read_published(
    const std::vector<cluster::NodeRecord>& records) {
    std::pair<Published, std::vector<bool>> read;
    for (const auto& node : records) {
        auto conn = cluster::try_connect(
            text::with_default(node.conninfo, "connect_timeout", kViewConnectTimeout));
        read.second.push_back(conn.has_value());
        if (conn)
            read.first[node.node_id] = published_rows(*conn, node.node_id);
    }
    return read;
}

bool no_output(const std::string& output) {
    return output.empty() || output.front() == '\n';
}

// The table (and, unless --terse, what went wrong) or the CSV.
void print(const Matrix& matrix, const CliOptions& options,
           const std::vector<std::string>& warnings) {
    std::fputs((options.csv ? format_matrix_csv(matrix) : format_matrix_table(matrix)).c_str(),
               stdout);
    std::fflush(stdout);
    if (options.csv || warnings.empty() || options.terse)
        return;
    log::warning("following problems detected:");
    for (const auto& warning : warnings)
        std::fputs(fmt::format("  {}\n", warning).c_str(), stderr);
}

int cluster_matrix(const CliOptions& options) {
    auto nodes = registered_nodes(options);
    if (!nodes)
        return model::kErrBadConfig;
    const auto& config = nodes->config;
    auto matrix = nodes->empty;
    std::vector<std::string> warnings;
    int error = model::kSuccess;
    const auto [published, up] = read_published(nodes->records);
    for (std::size_t i = 0; i < nodes->records.size(); ++i)
        set_seen(matrix, config.node_id, nodes->records[i].node_id, up[i] ? kSeenUp : kSeenDown);
    for (std::size_t i = 0; i < nodes->records.size(); ++i) {
        const auto& node = nodes->records[i];
        if (node.node_id == config.node_id)
            continue;
        if (const auto row = published_row(published, node.node_id)) {
            log::debug("node {}'s row is the view its daemon published at {}", node.node_id,
                       row->at);
            set_row(matrix, *row);
            continue;
        }
        if (!up[i])
            continue;
        const auto command =
            over_ssh(node, config, options, remote_command(node, config, options, "cluster show"));
        const auto answer = run_apart(command, kShowTimeout);
        std::fputs(answer.err.c_str(), stderr);
        if (no_output(answer.out)) {
            warnings.push_back(fmt::format("node {} inaccessible via SSH", node.node_id));
            error = model::kErrBadSsh;
        } else if (!read_show_csv(matrix, node.node_id, answer.out, warnings)) {
            error = model::kErrInternal;
        }
    }
    print(matrix, options, warnings);
    // repmgr's --csv counts a node nobody could ask as a problem too.
    return matrix_exit_code(matrix, options.csv, error);
}

int cluster_crosscheck(const CliOptions& options) {
    auto nodes = registered_nodes(options);
    if (!nodes)
        return model::kErrBadConfig;
    const auto& config = nodes->config;
    Cube cube(nodes->records.size(), nodes->empty);
    std::vector<std::string> warnings;
    int error = model::kSuccess;
    // repmgr's index of "this node" does not advance past a node it could not reach, so the
    // node after one is asked through ssh even when it is this one.
    std::size_t asked = 0;
    const auto published = read_published(nodes->records).first;
    for (const auto& node : nodes->records) {
        if (const auto matrix = published_matrix(published, node.node_id)) {
            log::debug("node {}'s matrix is the one its daemon published", node.node_id);
            read_published_matrix(cube, node.node_id, *matrix);
            ++asked;
            continue;
        }
        const auto command = remote_command(node, config, options, "cluster matrix");
        std::string output;
        if (nodes->empty.ids[asked] == config.node_id) {
            const auto answer = run_apart(command, kMatrixTimeout);
            output = answer.out + answer.err;
        } else {
            const auto answer = run_apart(over_ssh(node, config, options, command), kMatrixTimeout);
            std::fputs(answer.err.c_str(), stderr);
            output = answer.out;
        }
        if (no_output(output)) {
            warnings.push_back(fmt::format("node {} inaccessible via SSH", node.node_id));
            error = model::kErrBadSsh;
            continue;
        }
        if (!read_matrix_csv(cube, node.node_id, output))
            error = model::kErrInternal;
        ++asked;
    }
    const auto merged = cross_check(cube);
    print(merged, options, warnings);
    return matrix_exit_code(merged, false, error);
}

constexpr const char* kMatrixHelp =
    "pgwarden cluster matrix: how this node and every reachable node see each node\n\n"
    "Usage:\n"
    "    pgwarden [OPTIONS] cluster matrix [--csv]\n\n"
    "This node connects to every registered node. A node's row is the view its pgwardend\n"
    "publishes (at most 30 s old), else a copy another node's pgwardend relays; else, when\n"
    "this node reaches it, the node runs \"pgwarden -f <its config_file> cluster show --csv\"\n"
    "through ssh (ssh_options, -R user; pgwarden in repmgr_bindir or on PATH).\n"
    "'*' seen up, 'x' seen down, '?' not known.\n\n"
    "Options:\n"
    "    --csv        emit output as CSV: viewer id,seen id,status (0 up, -1 down, -2 unknown)\n"
    "    -R USER      the ssh user on the other nodes\n"
    "    --terse      do not show the problems found\n\n"
    "Exit codes: 0 every node seen up; 25 a node seen down (with --csv, or not known);\n"
    "12 a node could not be reached through ssh; 1 no node records; 6 no local database.\n";

constexpr const char* kCrosscheckHelp =
    "pgwarden cluster crosscheck: every node's view of every node, merged\n\n"
    "Usage:\n"
    "    pgwarden [OPTIONS] cluster crosscheck [--csv]\n\n"
    "Every registered node's matrix: the one its pgwardend publishes (at most 30 s old), else\n"
    "the node runs \"pgwarden -f <its config_file> cluster matrix --csv\" (this one locally,\n"
    "the others through ssh); a node counts as up when any node saw it up.\n\n"
    "Options:\n"
    "    --csv        emit output as CSV: node id,node id,status (0 up, -1 down, -2 unknown)\n"
    "    -R USER      the ssh user on the other nodes\n"
    "    --terse      do not show the problems found\n\n"
    "Exit codes: 0 every node seen up; 25 a node seen down by all that could see it; 12 a node\n"
    "could not be reached through ssh; 1 no node records; 6 no local database.\n";

const CommandRegistration reg_cluster_matrix{{{"cluster", "matrix"},
                                              "show how every node sees every other node",
                                              kMatrixHelp,
                                              &cluster_matrix}};
const CommandRegistration reg_cluster_crosscheck{{{"cluster", "crosscheck"},
                                                  "merge every node's cluster matrix",
                                                  kCrosscheckHelp,
                                                  &cluster_crosscheck}};

}  // namespace
}  // namespace pgwarden::cli
