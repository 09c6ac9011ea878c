// DaemonCluster: repmgrd's settings in each repmgr.conf, one pgwardend per node, and the readers
// the failover tests assert with.
#include "daemon_cluster.hpp"
#include "binaries.hpp"
#include "log_file.hpp"
#include "postgres_user.hpp"

#include "wait.hpp"

#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pgwarden::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 20s;
constexpr auto kPoll = 100ms;

// "priority=0" -> {"priority", "0"}; quotes around the value dropped.
std::optional<std::pair<std::string, std::string>> split_setting(const std::string& line) {
    const auto eq = line.find('=');
    if (eq == std::string::npos)
        return std::nullopt;
    auto trim = [](std::string s) {
        const auto b = s.find_first_not_of(" \t'");
        const auto e = s.find_last_not_of(" \t'");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    return std::make_pair(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
}

std::string failover_command(FailoverCommands commands, const std::string& conf,
                             const std::string& action) {
    const std::string program =
        commands == FailoverCommands::repmgr ? std::string(kRepmgr) : cli_bin();
    return fmt::format("{} -f {} {}", program, conf, action);
}

PgClusterOptions pg_options(const DaemonClusterOptions& options) {
    PgClusterOptions pg = options.preload_repmgr ? with_repmgr_library() : PgClusterOptions{};
    pg.extra_conf.insert(pg.extra_conf.end(), options.postgresql_conf.begin(),
                         options.postgresql_conf.end());
    return pg;
}

}  // namespace

std::string daemon_test_ini(const std::string& dir, const std::vector<std::string>& extra) {
    const auto path = dir + "/pgwarden.ini";
    {
        std::ofstream out(path);
        out << "[daemon]\nfence-action = probe\nfence-timeout = 3\nfence-margin = 1\n"
            << "lease-directory = " << dir << "\n";
        for (const auto& line : extra)
            out << line << "\n";
        if (!out.flush())
            throw std::runtime_error(fmt::format("could not write \"{}\"", path));
    }
    give_to_postgres(path);
    return path;
}

DaemonCluster::DaemonCluster(DaemonClusterOptions options)
    : options_(std::move(options)),
      repmgr_(options_.nodes, pg_options(options_)),
      daemons_(static_cast<std::size_t>(options_.nodes)) {
    for (int i = 1; i <= options_.nodes; ++i) {
        {
            std::ofstream out(conf(i), std::ios::app);
            for (const auto& line : settings(i))
                out << line << "\n";
            if (!out.flush())
                throw std::runtime_error(fmt::format("could not append to \"{}\"", conf(i)));
        }
        daemon_test_ini(repmgr_.cluster.node(i).node_dir,
                        options_.daemon_ini ? options_.daemon_ini(i) : std::vector<std::string>{});
        if (!options_.extra_conf)
            continue;
        for (const auto& line : options_.extra_conf(i)) {
            const auto setting = split_setting(line);
            if (!setting || (setting->first != "priority" && setting->first != "location"))
                continue;
            cluster().psql(1, fmt::format("UPDATE repmgr.nodes SET {} = '{}' WHERE node_id = {}",
                                          setting->first, setting->second, i));
        }
    }
    // Every daemon reads the metadata from its own node: let the updates arrive.
    for (int i = 2; i <= options_.nodes; ++i)
        cluster().wait_caught_up(i, 1);
}

DaemonCluster::~DaemonCluster() {
    // SIGTERM to all first, so they shut down together rather than one grace period each.
    for (auto& daemon : daemons_)
        if (daemon && daemon->pid() > 0 && daemon->running())
            kill(daemon->pid(), SIGTERM);
    for (auto& daemon : daemons_)
        if (daemon)
            daemon->stop(SIGTERM, kStopGrace);
}

std::vector<std::string> DaemonCluster::settings(int i) const {
    const auto& node = repmgr_.cluster.node(i);
    std::vector<std::string> lines = {
        "failover=automatic",
        fmt::format("promote_command='{}'",
                    failover_command(options_.commands, conf(i), "standby promote")),
        fmt::format("follow_command='{}'",
                    failover_command(options_.commands, conf(i),
                                     "standby follow -W --upstream-node-id=%n")),
        "monitor_interval_secs=1",
        "reconnect_attempts=3",
        "reconnect_interval=1",
        "child_nodes_check_interval=1",
        fmt::format("pg_bindir='{}'", PgCluster::kBinDir),
        "promote_check_timeout=30",
        "promote_check_interval=1",
        "standby_follow_timeout=30",
        "primary_follow_timeout=10",
        fmt::format("log_file='{}/pgwardend.log'", node.node_dir),
        // Events that cannot be written (no primary) still reach the script.
        fmt::format("event_notification_command='echo \"%n %e %s\" >> {}/events.txt'",
                    node.node_dir),
    };
    if (options_.server_commands) {
        const auto pg_ctl = [&](const std::string& action) {
            return fmt::format("{} -D {} -o \"-p {}\" -l {} -w -t 30 {}",
                               PgCluster::pg_bin("pg_ctl"), node.data_dir, node.port, node.log_file,
                               action);
        };
        lines.push_back(fmt::format("service_start_command='{}'", pg_ctl("start")));
        lines.push_back(fmt::format("service_stop_command='{}'", pg_ctl("-m fast stop")));
    }
    if (options_.extra_conf)
        for (auto& line : options_.extra_conf(i))
            lines.push_back(std::move(line));
    return lines;
}

void DaemonCluster::start_daemon(int i) {
    auto& slot = daemons_.at(static_cast<std::size_t>(i - 1));
    if (slot && slot->running())
        return;
    const auto& node = repmgr_.cluster.node(i);
    slot.emplace(
        std::vector<std::string>{pgwarden::test::daemon_bin(), "-f", conf(i), "--daemonize=false",
                                 "--no-pid-file", "--ini", ini_path(i)},
        node.node_dir + "/pgwardend.stderr", true);
    const bool monitoring = wait_until(
        [&] {
            const auto log = daemon_log(i);
            return !slot->running() ||
                   log.find("monitoring connection to upstream node") != std::string::npos ||
                   log.find("monitoring cluster primary") != std::string::npos;
        },
        kStartTimeout, kPoll);
    if (!monitoring || !slot->running())
        throw std::runtime_error(
            fmt::format("pgwardend on node{} did not start monitoring "
                        "within {} s:\n{}",
                        i, kStartTimeout.count(), daemon_log(i)));
}

std::string DaemonCluster::ini_path(int i) const {
    return repmgr_.cluster.node(i).node_dir + "/pgwarden.ini";
}

std::string DaemonCluster::lease_file(int i) const {
    return fmt::format("{}/lease-{}", repmgr_.cluster.node(i).node_dir, i);
}

void DaemonCluster::start_daemons() {
    for (int i = 1; i <= options_.nodes; ++i)
        start_daemon(i);
}

int DaemonCluster::stop_daemon(int i) {
    auto& slot = daemons_.at(static_cast<std::size_t>(i - 1));
    return slot ? slot->stop(SIGTERM, kStopGrace) : -1;
}

std::optional<pid_t> DaemonCluster::daemon_pid(int i) {
    auto& slot = daemons_.at(static_cast<std::size_t>(i - 1));
    if (!slot || !slot->running())
        return std::nullopt;
    return slot->pid();
}

bool DaemonCluster::daemon_running(int i) {
    return daemon_pid(i).has_value();
}

std::string DaemonCluster::daemon_log(int i) const {
    const auto& dir = repmgr_.cluster.node(i).node_dir;
    return file_contents(dir + "/pgwardend.log") + file_contents(dir + "/pgwardend.stderr");
}

std::string DaemonCluster::all_logs() const {
    std::string out;
    for (int i = 1; i <= options_.nodes; ++i)
        out += fmt::format("===== pgwardend on node{} =====\n{}", i, daemon_log(i));
    return out;
}

std::vector<std::string> DaemonCluster::notifications(int i) const {
    std::istringstream in(file_contents(repmgr_.cluster.node(i).node_dir + "/events.txt"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

bool DaemonCluster::notified(int i, const std::string& line) const {
    for (const auto& seen : notifications(i))
        if (seen == line)
            return true;
    return false;
}

bool DaemonCluster::wait_primary(int i, std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
            try {
                return cluster().psql(i, "SELECT pg_is_in_recovery()") == "f";
            } catch (const std::runtime_error&) {
                return false;
            }
        },
        timeout, kPoll);
}

bool DaemonCluster::wait_streaming(int standby, int upstream, std::chrono::milliseconds timeout,
                                   std::string* why) {
    try {
        cluster().wait_streaming(standby, upstream, timeout);
        return true;
    } catch (const std::runtime_error& e) {
        if (why != nullptr)
            *why = e.what();
        return false;
    }
}

std::vector<std::string> DaemonCluster::events(int i) const {
    const auto rows = repmgr_.cluster.psql(
        i,
        "SELECT node_id || ':' || event || ':' || successful FROM repmgr.events "
        "ORDER BY event_timestamp");
    std::vector<std::string> out;
    std::istringstream in(rows);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

bool DaemonCluster::has_event(int i, int node_id, const std::string& event) const {
    const auto prefix = fmt::format("{}:{}:", node_id, event);
    for (const auto& row : events(i))
        if (row.rfind(prefix, 0) == 0)
            return true;
    return false;
}

bool DaemonCluster::wait_event(int i, int node_id, const std::string& event,
                               std::chrono::milliseconds timeout) const {
    return wait_until(
        [&] {
            try {
                return has_event(i, node_id, event);
            } catch (const std::runtime_error&) {
                return false;
            }
        },
        timeout, kPoll);
}

std::string show_cells(const std::string& table, const std::string& node_name) {
    std::istringstream in(table);
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> cells;
        std::istringstream row(line);
        for (std::string cell; std::getline(row, cell, '|');) {
            const auto b = cell.find_first_not_of(' ');
            const auto e = cell.find_last_not_of(' ');
            cells.push_back(b == std::string::npos ? std::string() : cell.substr(b, e - b + 1));
        }
        // ID | Name | Role | Status | Upstream | ...
        if (cells.size() > 4 && cells[1] == node_name)
            return fmt::format("{}|{}|{}", cells[2], cells[3], cells[4]);
    }
    return "(no row for " + node_name + ")";
}

}  // namespace pgwarden::test
