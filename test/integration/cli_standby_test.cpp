// pgwarden standby clone / promote / follow against real PostgreSQL 15 clusters, with the real
// repmgr 5.3 registering the nodes, reading what pgwarden wrote and acting on what it did.
#include "binaries.hpp"
#include "pg_cluster.hpp"
#include "ports.hpp"
#include "process.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::CommandResult;
using pgwarden::test::PgCluster;
using pgwarden::test::PgClusterOptions;
using pgwarden::test::run_command;

namespace {

constexpr auto kCommandTimeout = 120s;
constexpr const char* kRepmgr = "/usr/lib/postgresql/15/bin/repmgr";

PgClusterOptions repmgr_options() {
    PgClusterOptions options;
    options.extra_conf = {"shared_preload_libraries = 'repmgr'"};
    return options;
}

std::string conninfo_for_port(int port) {
    return fmt::format("host=127.0.0.1 port={} user=postgres dbname=postgres connect_timeout=2",
                       port);
}

// A repmgr.conf in the cluster's directory, readable by postgres.
std::string write_repmgr_conf(const PgCluster& cluster, int node_id, int port,
                              const std::string& data_dir,
                              const std::vector<std::string>& extra = {}) {
    const std::string path = fmt::format("{}/repmgr-node{}.conf", cluster.dir(), node_id);
    std::ofstream out(path);
    out << fmt::format(
        "node_id={}\nnode_name='node{}'\nconninfo='{}'\ndata_directory='{}'\n"
        "pg_bindir='{}'\npromote_check_timeout=30\npromote_check_interval=1\n"
        "standby_follow_timeout=30\nprimary_follow_timeout=10\n",
        node_id, node_id, conninfo_for_port(port), data_dir, PgCluster::kBinDir);
    for (const auto& line : extra)
        out << line << "\n";
    out.close();
    pgwarden::test::give_to_postgres(path);
    return path;
}

std::string write_repmgr_conf(const PgCluster& cluster, int i) {
    return write_repmgr_conf(cluster, i, cluster.node(i).port, cluster.node(i).data_dir);
}

CommandResult repmgr(const std::string& conf, std::vector<std::string> args) {
    std::vector<std::string> argv = {kRepmgr, "-f", conf};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, kCommandTimeout, true);
}

CommandResult run_pgwarden(const std::string& conf, std::vector<std::string> args) {
    std::vector<std::string> argv = {pgwarden::test::cli_bin(), "-f", conf};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, kCommandTimeout, true);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The line of `repmgr cluster show` for one node name, cells trimmed and joined with '|'.
std::string show_row(const std::string& table, const std::string& name) {
    std::istringstream in(table);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream cs(line);
        std::string cell;
        while (std::getline(cs, cell, '|')) {
            const auto b = cell.find_first_not_of(' ');
            const auto e = cell.find_last_not_of(' ');
            cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
        }
        if (cells.size() > 4 && cells[1] == name)
            return fmt::format("{}|{}|{}|{}", cells[1], cells[2], cells[3], cells[4]);
    }
    return "(no row for " + name + ")";
}

// A PostgreSQL server the harness does not know (the clone), stopped on every way out.
class ExtraServer {
  public:
    ExtraServer(std::string data_dir, std::string log_file, int port)
        : data_dir_(std::move(data_dir)), log_file_(std::move(log_file)), port_(port) {}
    ~ExtraServer() {
        if (started_)
            run_command(
                {PgCluster::pg_bin("pg_ctl"), "-D", data_dir_, "-m", "immediate", "-w", "stop"},
                30s, true);
    }
    ExtraServer(const ExtraServer&) = delete;
    ExtraServer& operator=(const ExtraServer&) = delete;

    void start() {
        started_ = true;
        auto result =
            run_command({PgCluster::pg_bin("pg_ctl"), "-D", data_dir_, "-o",
                         fmt::format("-p {}", port_), "-l", log_file_, "-w", "-t", "60", "start"},
                        90s, true);
        INFO(result.describe() << "\n" << pgwarden::test::tail_file(log_file_));
        REQUIRE(result.ok());
    }

    void stop() {
        auto result = run_command(
            {PgCluster::pg_bin("pg_ctl"), "-D", data_dir_, "-m", "fast", "-w", "stop"}, 90s, true);
        INFO(result.describe());
        REQUIRE(result.ok());
        started_ = false;
    }

  private:
    std::string data_dir_;
    std::string log_file_;
    int port_;
    bool started_ = false;
};

}  // namespace

TEST_CASE("pgwarden standby clone builds a standby that streams through its slot") {
    PgCluster cluster(1, repmgr_options());
    const auto conf1 = write_repmgr_conf(cluster, 1);
    require_ok(repmgr(conf1, {"primary", "register"}));

    const std::string clone_dir = cluster.dir() + "/clone";
    REQUIRE(mkdir(clone_dir.c_str(), 0700) == 0);
    pgwarden::test::give_to_postgres(clone_dir);
    const std::string data_dir = clone_dir + "/data";
    const int port = pgwarden::test::free_tcp_port();
    const auto conf2 =
        write_repmgr_conf(cluster, 2, port, data_dir, {"use_replication_slots=true"});
    const std::vector<std::string> clone_args = pgwarden::test::standby_clone_args(cluster, 1);

    auto with = [&](std::vector<std::string> args, const std::vector<std::string>& more) {
        args.insert(args.begin(), more.begin(), more.end());
        return args;
    };
    auto dry = run_pgwarden(conf2, with(clone_args, {"--dry-run"}));
    require_ok(dry);
    CHECK(dry.err.find("all prerequisites for \"standby clone\" are met") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(data_dir));
    CHECK(cluster.psql(1, "SELECT count(*) FROM pg_replication_slots") == "0");

    require_ok(run_pgwarden(conf2, clone_args));
    CHECK(std::filesystem::exists(data_dir + "/standby.signal"));
    const auto auto_conf = read_file(data_dir + "/postgresql.auto.conf");
    CHECK(auto_conf.find(fmt::format("primary_conninfo = 'user=postgres connect_timeout=2 "
                                     "host=127.0.0.1 port={} application_name=node2'",
                                     cluster.node(1).port)) != std::string::npos);
    CHECK(auto_conf.find("primary_slot_name = 'repmgr_slot_2'") != std::string::npos);
    CHECK(cluster.psql(1,
                       "SELECT count(*) FROM repmgr.events WHERE event = 'standby_clone' "
                       "AND node_id = 2 AND successful") == "1");

    ExtraServer clone(data_dir, clone_dir + "/postgresql.log", port);
    clone.start();
    cluster.wait_for_result(
        1, "SELECT state FROM pg_stat_replication WHERE application_name = 'node2'", "streaming");
    cluster.wait_for_result(
        1, "SELECT active FROM pg_replication_slots WHERE slot_name = 'repmgr_slot_2'", "t");
    require_ok(repmgr(conf2, {"standby", "register"}));
    auto show = repmgr(conf1, {"cluster", "show"});
    require_ok(show);
    CHECK(show_row(show.out, "node2") == "node2|standby|running|node1");

    // A second clone into the now-used data directory is refused, and the server keeps running.
    auto again = run_pgwarden(conf2, clone_args);
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("is used by a running PostgreSQL server") != std::string::npos);
    cluster.wait_for_result(
        1, "SELECT state FROM pg_stat_replication WHERE application_name = 'node2'", "streaming");

    // Stopped, it is still a data directory: refused without -F, replaced with it.
    clone.stop();
    auto unforced = run_pgwarden(conf2, clone_args);
    CHECK(unforced.exit_code == 1);
    CHECK(unforced.err.find("target data directory appears to be a PostgreSQL data directory") !=
          std::string::npos);
    require_ok(run_pgwarden(conf2, with(clone_args, {"-F"})));
    clone.start();
    cluster.wait_for_result(
        1, "SELECT state FROM pg_stat_replication WHERE application_name = 'node2'", "streaming");
}

TEST_CASE("pgwarden promote and follow are refused where repmgr refuses and then work beside it") {
    PgCluster cluster(4, repmgr_options());
    std::vector<std::string> conf = {""};
    for (int i = 1; i <= 4; ++i)
        conf.push_back(write_repmgr_conf(cluster, i));
    require_ok(repmgr(conf[1], {"primary", "register"}));
    // repmgr reads the standby's own copy of the metadata first: let it arrive.
    for (int i = 2; i <= 4; ++i) {
        cluster.wait_caught_up(i, 1);
        require_ok(repmgr(conf[i], {"standby", "register"}));
    }
    const auto before = nodes_table(cluster, 1);

    // Refusals: a primary is up; promoting the primary. Same exit codes as the real repmgr.
    auto refused = run_pgwarden(conf[2], {"standby", "promote"});
    CHECK(refused.exit_code == 8);
    CHECK(refused.err.find("this replication cluster already has an active primary server") !=
          std::string::npos);
    CHECK(refused.err.find("current primary is \"node1\" (ID: 1)") != std::string::npos);
    CHECK(repmgr(conf[2], {"standby", "promote", "--dry-run"}).exit_code == refused.exit_code);
    auto on_primary = run_pgwarden(conf[1], {"standby", "promote"});
    CHECK(on_primary.exit_code == repmgr(conf[1], {"standby", "promote"}).exit_code);
    CHECK(on_primary.exit_code != 0);
    CHECK(cluster.is_in_recovery(2));
    CHECK_FALSE(cluster.is_in_recovery(1));
    CHECK(nodes_table(cluster, 1) == before);

    for (int i = 2; i <= 4; ++i)
        cluster.wait_caught_up(i, 1);
    cluster.stop(1);

    // Following a standby while no primary exists: refused, nothing touched.
    const auto conninfo3 = cluster.psql(3, "SHOW primary_conninfo");
    auto standby_target = run_pgwarden(conf[3], {"standby", "follow", "--upstream-node-id=2"});
    CHECK(standby_target.exit_code == 23);
    CHECK(standby_target.err.find("unable to determine the cluster primary") != std::string::npos);
    CHECK(repmgr(conf[3], {"standby", "follow", "--upstream-node-id=2"}).exit_code == 23);
    CHECK(cluster.psql(3, "SHOW primary_conninfo") == conninfo3);
    CHECK(nodes_table(cluster, 2) == before);

    auto promoted = run_pgwarden(conf[2], {"standby", "promote"});
    require_ok(promoted);
    CHECK(promoted.err.find("STANDBY PROMOTE successful") != std::string::npos);
    CHECK_FALSE(cluster.is_in_recovery(2));
    CHECK(nodes_table(cluster, 2) == "1|primary|f|-,2|primary|t|-,3|standby|t|1,4|standby|t|1");

    // pgwarden follows pgwarden's promotion; the real repmgr follows it too.
    auto followed = run_pgwarden(conf[3], {"standby", "follow"});
    require_ok(followed);
    CHECK(followed.err.find("STANDBY FOLLOW successful") != std::string::npos);
    cluster.wait_streaming(3, 2);
    require_ok(repmgr(conf[4], {"standby", "follow"}));
    cluster.wait_streaming(4, 2);
    CHECK(nodes_table(cluster, 2) == "1|primary|f|-,2|primary|t|-,3|standby|t|2,4|standby|t|2");
    CHECK(cluster.psql(2,
                       "SELECT string_agg(event || ':' || node_id || ':' || successful, ',' "
                       "ORDER BY event_timestamp) FROM repmgr.events WHERE event IN "
                       "('standby_promote', 'standby_follow')") ==
          "standby_promote:2:true,standby_follow:3:true,standby_follow:4:true");

    auto show = repmgr(conf[2], {"cluster", "show"});
    INFO(show.out << show.err);
    CHECK((show.exit_code == 0 || show.exit_code == 25));
    CHECK(show_row(show.out, "node1") == "node1|primary|- failed|?");
    CHECK(show_row(show.out, "node2") == "node2|primary|* running|");
    CHECK(show_row(show.out, "node3") == "node3|standby|running|node2");
    CHECK(show_row(show.out, "node4") == "node4|standby|running|node2");
}

TEST_CASE("pgwarden standby follow attaches to a primary the real repmgr promoted") {
    PgCluster cluster(3, repmgr_options());
    std::vector<std::string> conf = {""};
    for (int i = 1; i <= 3; ++i) {
        // node3 restarts through service_restart_command (standby_follow_restart), with -l so
        // the server does not inherit the command's output pipe.
        std::vector<std::string> extra = {"use_replication_slots=true"};
        if (i == 3) {
            extra.push_back("standby_follow_restart=true");
            extra.push_back(fmt::format("service_restart_command='{} -D {} -l {} -w restart'",
                                        PgCluster::pg_bin("pg_ctl"), cluster.node(3).data_dir,
                                        cluster.node(3).log_file));
        }
        conf.push_back(
            write_repmgr_conf(cluster, i, cluster.node(i).port, cluster.node(i).data_dir, extra));
    }
    require_ok(repmgr(conf[1], {"primary", "register"}));
    for (int i = 2; i <= 3; ++i) {
        cluster.wait_caught_up(i, 1);
        require_ok(repmgr(conf[i], {"standby", "register"}));
    }
    for (int i = 2; i <= 3; ++i)
        cluster.wait_caught_up(i, 1);
    cluster.stop(1);
    require_ok(repmgr(conf[2], {"standby", "promote"}));

    // Following a target that is neither up nor registered fails cleanly.
    CHECK(run_pgwarden(conf[3], {"standby", "follow", "--upstream-node-id=3"}).exit_code == 23);
    CHECK(run_pgwarden(conf[3], {"standby", "follow", "--upstream-node-id=9"}).exit_code == 23);

    auto dry = run_pgwarden(conf[3], {"standby", "follow", "--dry-run", "-v"});
    require_ok(dry);
    CHECK(dry.err.find("prerequisites for executing STANDBY FOLLOW are met") != std::string::npos);
    CHECK(cluster.psql(2, "SELECT count(*) FROM pg_replication_slots") == "0");

    const auto pid_before = cluster.postmaster_pid(3);
    auto followed = run_pgwarden(conf[3], {"standby", "follow", "-W"});
    require_ok(followed);
    CHECK(followed.err.find("restarting server using") != std::string::npos);
    CHECK(cluster.postmaster_pid(3) != pid_before);
    cluster.wait_streaming(3, 2);
    cluster.wait_for_result(
        2, "SELECT active FROM pg_replication_slots WHERE slot_name = 'repmgr_slot_3'", "t");
    CHECK(cluster.psql(3, "SHOW primary_slot_name") == "repmgr_slot_3");
    auto show = repmgr(conf[2], {"cluster", "show"});
    INFO(show.out << show.err);
    CHECK(show_row(show.out, "node3") == "node3|standby|running|node2");
}

TEST_CASE("pgwarden standby promote under synchronous replication finishes without a standby") {
    PgCluster cluster(2, repmgr_options());
    const std::vector<std::string> conf = {"", write_repmgr_conf(cluster, 1),
                                           write_repmgr_conf(cluster, 2)};
    require_ok(repmgr(conf[1], {"primary", "register"}));
    cluster.wait_caught_up(2, 1);
    require_ok(repmgr(conf[2], {"standby", "register"}));
    // Once promoted, node2's commits wait for node1, which is gone: a two-node cluster with
    // synchronous replication after losing its primary.
    cluster.psql(2, "ALTER SYSTEM SET synchronous_standby_names = 'node1'");
    cluster.psql(2, "SELECT pg_reload_conf()");
    cluster.wait_caught_up(2, 1);
    cluster.stop(1);

    const std::vector<std::string> argv = {pgwarden::test::cli_bin(), "-f", conf[2], "standby",
                                           "promote"};
    // Waiting for a standby, the record's update would hang until the bound below.
    const auto promoted = run_command(argv, 30s, true);
    INFO(promoted.out << promoted.err);
    REQUIRE(promoted.exit_code == 0);
    CHECK(promoted.err.find("STANDBY PROMOTE successful") != std::string::npos);
    CHECK(nodes_table(cluster, 2) == "1|primary|f|-,2|primary|t|-");
    CHECK(cluster.psql(2, "SELECT count(*) FROM repmgr.events WHERE event = 'standby_promote'") ==
          "1");
}
