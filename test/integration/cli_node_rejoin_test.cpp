// pgwarden node rejoin against real PostgreSQL 15 clusters: a former primary that wrote past the
// promotion of node2 is rewound and rejoined as node2's standby, beside the real repmgr 5.3 doing
// the same on a twin cluster; refusals and --dry-run answer as repmgr does and change nothing.
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::CommandResult;
using pgwarden::test::PgCluster;
using pgwarden::test::run_pgwarden;
using pgwarden::test::run_repmgr;

namespace {

enum class Tool { repmgr, pgwarden };

CommandResult run(Tool tool, const std::string& conf, const std::vector<std::string>& args) {
    return tool == Tool::repmgr ? run_repmgr(conf, args) : run_pgwarden(conf, args);
}

// How node1 went down before node2's promotion: `pg_ctl stop`, or kill -9 while it was the
// primary that node2 streamed from (rows written just before).
enum class Loss { stopped, killed };

// Two nodes registered by the real repmgr; node2 promoted by pgwarden while node1 was down; node1
// then started again as the stale primary it thinks it is, written to and shut down cleanly, so
// its WAL goes past the point where node2's timeline forked off.
struct StaleFormerPrimary {
    PgCluster cluster{2, options()};
    bool slots;
    std::vector<std::string> conf{"", make_conf(1), make_conf(2)};

    static pgwarden::test::PgClusterOptions options() {
        auto o = pgwarden::test::with_repmgr_library();
        o.extra_conf.push_back("wal_log_hints = on");  // pg_rewind needs it without checksums
        // What differs between nodes, in the data directory, as in scripts/demo: pg_rewind
        // replaces it with the source's unless --config-files keeps it.
        o.extra_conf.push_back("include_if_exists = 'node.conf'");
        return o;
    }

    // Both programs start the server the way the harness does: its port is not in the data
    // directory, and -l keeps the server off the command's output pipe.
    std::string make_conf(int i) {
        const auto& node = cluster.node(i);
        return pgwarden::test::write_conf(
            cluster, i,
            fmt::format("pg_bindir='{}'\nnode_rejoin_timeout=30\nstandby_follow_timeout=30\n"
                        "promote_check_timeout=30\nservice_start_command='{} -D {} -o \"-p {}\" "
                        "-l {} -w -t 30 start'\nuse_replication_slots={}",
                        PgCluster::kBinDir, PgCluster::pg_bin("pg_ctl"), node.data_dir, node.port,
                        node.log_file, slots ? "yes" : "no"));
    }

    // Replication slots: with use_replication_slots on, the node the real repmgr 5.3 rejoined here
    // stayed "startup" in node2's pg_stat_replication until node_rejoin_timeout (no slot for it
    // on node2), so the side-by-side runs go without slots and pgwarden's slot is checked alone.
    // `checkpoint`: a CHECKPOINT on node2 after its promotion, which pg_rewind needs to see the
    // new timeline and the real repmgr's node rejoin does not issue (pgwarden's does).
    // `diverge`: false leaves node1 as it was when it stopped, before node2's promotion.
    // Loss::killed: node1 crashed as the primary (kill -9), node2 wrote after its promotion,
    // and each node has a node.conf of its own.
    StaleFormerPrimary(bool use_slots, bool checkpoint, bool diverge = true,
                       Loss loss = Loss::stopped)
        : slots(use_slots) {
        require_ok(run_repmgr(conf[1], {"primary", "register"}));
        cluster.wait_caught_up(2, 1);
        require_ok(run_repmgr(conf[2], {"standby", "register"}));
        cluster.wait_caught_up(2, 1);
        if (loss == Loss::killed) {
            for (int i = 1; i <= cluster.size(); ++i)
                write_node_conf(i);
            cluster.psql(1, "CREATE TABLE before_crash AS SELECT generate_series(1, 1000) AS n");
            cluster.wait_caught_up(2, 1);
            cluster.kill9(1);
        } else {
            cluster.stop(1);
        }
        require_ok(run_pgwarden(conf[2], {"standby", "promote"}));
        if (checkpoint)
            cluster.psql(2, "CHECKPOINT");
        if (loss == Loss::killed)
            cluster.psql(2, "CREATE TABLE after_failover AS SELECT generate_series(1, 500) AS n");
        if (!diverge)
            return;
        cluster.start(1);
        cluster.psql(1, "CREATE TABLE lost_on_node1 AS SELECT generate_series(1, 1000) AS n");
        cluster.stop(1);
    }

    std::string primary_conninfo() const { return cluster.node(2).conninfo(); }

    // cluster_name (the server's, not the walreceiver's application_name) says whose it is.
    void write_node_conf(int i) {
        const auto path = cluster.node(i).data_dir + "/node.conf";
        std::ofstream(path) << fmt::format("cluster_name = 'node{}'\n", i);
        pgwarden::test::give_to_postgres(path);
    }
};

// Log lines with what differs between two clusters taken out: directories, ports, system
// identifiers, LSNs and timestamps.
std::vector<std::string> normalized_lines(const std::string& text, const PgCluster& cluster) {
    std::string s = text;
    for (int i = 1; i <= cluster.size(); ++i) {
        const auto& node = cluster.node(i);
        s = std::regex_replace(s, std::regex(node.node_dir), fmt::format("NODE{}DIR", i));
    }
    s = std::regex_replace(s, std::regex(cluster.dir()), "CLUSTERDIR");
    s = std::regex_replace(s, std::regex("[0-9A-F]+/[0-9A-F]+"), "LSN");
    s = std::regex_replace(s, std::regex("[0-9]+"), "N");
    // How often the wait for streaming polled before it saw the node depends on timing.
    const std::regex polling("attached in state|waiting for node|is currently attached");
    std::vector<std::string> lines;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) {
        if (!std::regex_search(line, polling))
            lines.push_back(line);
    }
    return lines;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines)
        text += line + "\n";
    return text;
}

// Where two reports first part, by line: what a clipped failure log must still show.
std::string first_difference(const std::vector<std::string>& theirs,
                             const std::vector<std::string>& ours) {
    const auto longest = std::max(theirs.size(), ours.size());
    for (std::size_t i = 0; i < longest; ++i) {
        const auto* r = i < theirs.size() ? &theirs[i] : nullptr;
        const auto* p = i < ours.size() ? &ours[i] : nullptr;
        if (r && p && *r == *p)
            continue;
        return fmt::format("first difference at line {}:\n  repmgr:   {}\n  pgwarden: {}", i + 1,
                           r ? *r : "(no line)", p ? *p : "(no line)");
    }
    return "no difference in the normalized lines";
}

// The node_rejoin events as repmgr.events has them, normalized.
std::string rejoin_events(const PgCluster& cluster) {
    return joined(normalized_lines(
        cluster.psql(2,
                     "SELECT string_agg(concat_ws('|', node_id, event, successful, details), "
                     "E'\\n' ORDER BY event_timestamp) FROM repmgr.events "
                     "WHERE event = 'node_rejoin'"),
        cluster));
}

// Runs the same command with both programs on their twin clusters and compares exit codes and
// stderr (the whole report of node rejoin is log lines).
void require_same(StaleFormerPrimary& theirs, StaleFormerPrimary& ours,
                  std::vector<std::string> args, bool with_conninfo = true) {
    auto their_args = args;
    // Each cluster keeps --config-files in its own directory, not in the /tmp both would share.
    if (with_conninfo) {
        their_args.insert(their_args.begin(), {"node", "rejoin", "-d", theirs.primary_conninfo(),
                                               "--config-archive-dir=" + theirs.cluster.dir()});
        args.insert(args.begin(), {"node", "rejoin", "-d", ours.primary_conninfo(),
                                   "--config-archive-dir=" + ours.cluster.dir()});
    }
    const auto r = run(Tool::repmgr, theirs.conf[1], their_args);
    const auto p = run(Tool::pgwarden, ours.conf[1], args);
    const auto r_normal = normalized_lines(r.err + r.out, theirs.cluster);
    const auto p_normal = normalized_lines(p.err + p.out, ours.cluster);
    const auto r_lines = joined(r_normal);
    const auto p_lines = joined(p_normal);
    // First what was run and where the reports part, so a clipped log still tells.
    std::string command_line;
    for (const auto& arg : args)
        command_line += " " + arg;
    INFO("pgwarden" << command_line);
    INFO(first_difference(r_normal, p_normal));
    INFO("repmgr: exit " << r.exit_code << "\n" << r.err << r.out);
    INFO("pgwarden: exit " << p.exit_code << "\n" << p.err << p.out);
    CHECK(p.exit_code == r.exit_code);
    CHECK(p_lines == r_lines);
}

}  // namespace

TEST_CASE("pgwarden node rejoin refuses a running, a crashed or a diverged node as repmgr does") {
    StaleFormerPrimary theirs(false, true);
    StaleFormerPrimary ours(false, false);
    const auto before = nodes_table(ours.cluster, 2);

    // No -d: a command line error.
    const auto missing = run_pgwarden(ours.conf[1], {"node", "rejoin"});
    CHECK(missing.exit_code == run_repmgr(theirs.conf[1], {"node", "rejoin"}).exit_code);
    CHECK(missing.err.find("database connection parameters for an available node must be "
                           "provided when executing NODE REJOIN") != std::string::npos);

    // The server is running.
    theirs.cluster.start(1);
    ours.cluster.start(1);
    require_same(theirs, ours, {"--force-rewind"});
    theirs.cluster.stop(1);
    ours.cluster.stop(1);

    // Diverged, without --force-rewind.
    require_same(theirs, ours, {});

    // Not shut down cleanly.
    theirs.cluster.start(1);
    ours.cluster.start(1);
    theirs.cluster.kill9(1);
    ours.cluster.kill9(1);
    require_same(theirs, ours, {});

    // The dry run says pg_rewind is needed (it recovers the crash first) and changes nothing.
    require_same(theirs, ours, {"--force-rewind", "--dry-run"});
    require_same(theirs, ours, {"--force-rewind", "--dry-run", "--config-files=postgresql.conf"});
    CHECK_FALSE(std::filesystem::exists(ours.cluster.node(1).data_dir + "/standby.signal"));
    CHECK_FALSE(ours.cluster.running(1));
    CHECK(nodes_table(ours.cluster, 2) == before);
    CHECK(rejoin_events(ours.cluster).empty());

    // The crashed, diverged node, with slots: pg_rewind recovers it (standby.signal hidden from
    // its single-user run), the slot is made on node2, and node1 streams through it.
    ours.slots = true;
    ours.conf[1] = ours.make_conf(1);
    const auto rejoined = run_pgwarden(
        ours.conf[1], {"node", "rejoin", "-d", ours.primary_conninfo(), "--force-rewind",
                       "--config-archive-dir=" + ours.cluster.dir()});
    require_ok(rejoined);
    CHECK(rejoined.err.find("temporarily removing \"standby.signal\"") != std::string::npos);
    CHECK(rejoined.err.find("NODE REJOIN successful") != std::string::npos);
    ours.cluster.wait_streaming(1, 2);
    ours.cluster.wait_for_result(
        2, "SELECT active FROM pg_replication_slots WHERE slot_name = 'repmgr_slot_1'", "t");
    CHECK(ours.cluster.psql(1, "SHOW primary_slot_name") == "repmgr_slot_1");
    CHECK(nodes_table(ours.cluster, 2) == "1|standby|t|2,2|primary|t|-");
    CHECK(rejoin_events(ours.cluster) == "N|node_rejoin|t|node N is now attached to node N\n");
}

TEST_CASE("pgwarden node rejoin --force-rewind makes the stale primary node2's standby as repmgr") {
    StaleFormerPrimary theirs(false, true);
    StaleFormerPrimary ours(false, false);

    require_same(theirs, ours, {"--force-rewind", "--config-files=postgresql.conf"});

    for (auto* side : {&theirs, &ours}) {
        auto& cluster = side->cluster;
        cluster.wait_streaming(1, 2);
        CHECK(cluster.is_in_recovery(1));
        CHECK(nodes_table(cluster, 2) == "1|standby|t|2,2|primary|t|-");
        // The rows written after the promotion were rewound away.
        CHECK(cluster.psql(1, "SELECT to_regclass('lost_on_node1') IS NULL") == "t");
        cluster.psql(2, "CREATE TABLE after_rejoin AS SELECT 1 AS n");
        cluster.wait_for_result(1, "SELECT count(*) FROM after_rejoin", "1");
    }
    CHECK(rejoin_events(ours.cluster) == rejoin_events(theirs.cluster));
    CHECK(rejoin_events(ours.cluster) == "N|node_rejoin|t|node N is now attached to node N\n");

    // Rejoining a node that is already a running standby is refused like any running node.
    require_same(theirs, ours, {});
}

TEST_CASE("pgwarden node rejoin -W starts the standby without waiting or an event, as repmgr") {
    StaleFormerPrimary theirs(false, true);
    StaleFormerPrimary ours(false, false);
    const std::vector<std::string> args = {"node", "rejoin", "--force-rewind", "-W"};
    auto with_target = [&](const StaleFormerPrimary& side) {
        auto a = args;
        a.insert(a.end(),
                 {"-d", side.primary_conninfo(), "--config-archive-dir=" + side.cluster.dir()});
        return a;
    };
    const auto r = run_repmgr(theirs.conf[1], with_target(theirs));
    const auto p = run_pgwarden(ours.conf[1], with_target(ours));
    INFO("repmgr: exit " << r.exit_code << "\n" << r.err);
    INFO("pgwarden: exit " << p.exit_code << "\n" << p.err);
    CHECK(p.exit_code == 0);
    CHECK(p.exit_code == r.exit_code);
    // Whether the node already streams when the one check is made depends on timing: compare
    // everything up to the server start.
    auto until_start = [](std::vector<std::string> lines) {
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].find("starting server using") != std::string::npos) {
                lines.resize(i + 1);
                break;
            }
        }
        return joined(lines);
    };
    CHECK(until_start(normalized_lines(p.err, ours.cluster)) ==
          until_start(normalized_lines(r.err, theirs.cluster)));
    for (auto* side : {&theirs, &ours}) {
        side->cluster.wait_streaming(1, 2);
        CHECK(nodes_table(side->cluster, 2) == "1|standby|t|2,2|primary|t|-");
        CHECK(rejoin_events(side->cluster).empty());
    }
}

TEST_CASE("pgwarden node rejoin attaches a node that stopped before the promotion as repmgr") {
    StaleFormerPrimary theirs(false, true, false);
    StaleFormerPrimary ours(false, false, false);

    require_same(theirs, ours, {"--dry-run"});
    require_same(theirs, ours, {"--force-rewind", "--dry-run"});
    require_same(theirs, ours, {"--force-rewind"});
    for (auto* side : {&theirs, &ours}) {
        side->cluster.wait_streaming(1, 2);
        CHECK(nodes_table(side->cluster, 2) == "1|standby|t|2,2|primary|t|-");
    }
    CHECK(rejoin_events(ours.cluster) == rejoin_events(theirs.cluster));
}

TEST_CASE(
    "pgwarden node rejoin --force-rewind makes a kill -9ed primary node2's standby as repmgr") {
    StaleFormerPrimary theirs(false, true, false, Loss::killed);
    StaleFormerPrimary ours(false, false, false, Loss::killed);

    require_same(theirs, ours, {"--force-rewind", "--config-files=node.conf"});
    for (auto* side : {&theirs, &ours}) {
        auto& cluster = side->cluster;
        cluster.wait_streaming(1, 2);
        CHECK(cluster.is_in_recovery(1));
        CHECK(nodes_table(cluster, 2) == "1|standby|t|2,2|primary|t|-");
        CHECK(cluster.psql(1, "SELECT count(*) FROM before_crash") == "1000");
        CHECK(cluster.psql(1, "SELECT count(*) FROM after_failover") == "500");
        // --config-files kept node1's own node.conf across pg_rewind.
        CHECK(cluster.psql(1, "SHOW cluster_name") == "node1");
        CHECK_FALSE(std::filesystem::exists(cluster.dir() + "/repmgr-config-archive-node1"));
    }
    CHECK(rejoin_events(ours.cluster) == rejoin_events(theirs.cluster));
    CHECK(rejoin_events(ours.cluster) == "N|node_rejoin|t|node N is now attached to node N\n");
}

// A first rejoin whose server did not start after pg_rewind (here its start command fails; in
// scripts/demo, node2's node.conf that pg_rewind copied in without --config-files) leaves a
// rewound data directory on node2's timeline that never finished recovery. repmgr 5.3 runs
// pg_rewind again on the retry: its single-user crash recovery writes an end-of-recovery
// checkpoint on node2's timeline, pg_rewind then finds nothing to rewind, and the standby never
// streams ("record with incorrect prev-link"). pgwarden's retry leaves pg_rewind out.
TEST_CASE("pgwarden node rejoin --force-rewind retried after a failed start makes node1 stream") {
    StaleFormerPrimary ours(false, false, false, Loss::killed);
    const auto good_conf = ours.conf[1];
    ours.conf[1] = pgwarden::test::write_conf(ours.cluster, 1,
                                              fmt::format("pg_bindir='{}'\nservice_start_command="
                                                          "'/bin/false'\nuse_replication_slots=no",
                                                          PgCluster::kBinDir),
                                              "repmgr1-failing-start.conf");
    const std::vector<std::string> args = {"node",
                                           "rejoin",
                                           "-d",
                                           ours.primary_conninfo(),
                                           "--force-rewind",
                                           "--config-files=node.conf",
                                           "--config-archive-dir=" + ours.cluster.dir()};
    const auto failed = run_pgwarden(ours.conf[1], args);
    INFO(failed.err);
    CHECK(failed.exit_code == 4);
    CHECK(failed.err.find("executing pg_rewind") != std::string::npos);
    CHECK_FALSE(ours.cluster.running(1));

    const auto retried = run_pgwarden(good_conf, args);
    INFO(retried.err << "\nnode1 log:\n" << ours.cluster.log_tail(1, 40));
    CHECK(retried.exit_code == 0);
    CHECK(retried.err.find("executing pg_rewind") == std::string::npos);
    CHECK(retried.err.find("pg_rewind not executed: this node is on rejoin target node 2's "
                           "timeline 2") != std::string::npos);
    CHECK(retried.err.find("NODE REJOIN successful") != std::string::npos);
    ours.cluster.wait_streaming(1, 2);
    CHECK(ours.cluster.psql(1, "SELECT count(*) FROM after_failover") == "500");
    CHECK(ours.cluster.psql(1, "SHOW cluster_name") == "node1");
    ours.cluster.psql(2, "CREATE TABLE after_rejoin AS SELECT 1 AS n");
    ours.cluster.wait_for_result(1, "SELECT count(*) FROM after_rejoin", "1");
    CHECK(nodes_table(ours.cluster, 2) == "1|standby|t|2,2|primary|t|-");
}

TEST_CASE("node rejoin hands pg_rewind the node record's password in its environment, not argv",
          "[cli][rejoin]") {
    StaleFormerPrimary ours(false, false);
    auto& cluster = ours.cluster;
    // Trust authentication ignores the password: what is checked is where it travels.
    cluster.psql(2,
                 "UPDATE repmgr.nodes SET conninfo = conninfo || ' password=s3cret' "
                 "WHERE node_id = 2");
    // pg_rewind through a wrapper that notes its arguments and PGPASSWORD first.
    const auto noted = cluster.dir() + "/pg_rewind-call";
    const auto wrapper = cluster.dir() + "/pg_rewind-wrapper";
    std::ofstream(wrapper) << fmt::format(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" > {0}\nprintf 'PGPASSWORD=%s\\n' \"$PGPASSWORD\" >> "
        "{0}\nexec {1} \"$@\"\n",
        noted, PgCluster::pg_bin("pg_rewind"));
    std::filesystem::permissions(wrapper, std::filesystem::perms(0755));
    pgwarden::test::give_to_postgres(wrapper);

    const auto rejoined = run_pgwarden(
        ours.conf[1], {"node", "rejoin", "-d", ours.primary_conninfo(), "--force-rewind=" + wrapper,
                       "--config-archive-dir=" + cluster.dir()});
    require_ok(rejoined);
    std::ifstream in(noted);
    std::string arguments, environment;
    std::getline(in, arguments);
    std::getline(in, environment);
    INFO(arguments);
    CHECK(arguments.find("--source-server=") != std::string::npos);
    CHECK(arguments.find("s3cret") == std::string::npos);
    CHECK(environment == "PGPASSWORD=s3cret");
    CHECK(rejoined.err.find("s3cret") == std::string::npos);
    cluster.wait_streaming(1, 2);
}
