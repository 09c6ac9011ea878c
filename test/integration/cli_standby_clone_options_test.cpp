// standby clone's replication options beside the real repmgr 5.3: each program clones the same
// primary into a directory of its own with the same options, and the replication settings it
// leaves (postgresql.auto.conf, standby.signal) must be the same.
#include "clone_run.hpp"
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"
#include "repmgr_conf.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;

namespace {

namespace fs = std::filesystem;

// A primary_conninfo line as libpq reads its value: the keywords sorted, each value unquoted.
// The two programs write the keywords in different orders, and repmgr quotes some values (e.g.
// "options='-csearch_path='") that libpq takes unquoted as well.
std::string sorted_conninfo(const std::string& line) {
    const auto open = line.find('\'');
    const auto close = line.rfind('\'');
    if (open == std::string::npos || close <= open)
        return line;
    std::string value;
    const std::string quoted = line.substr(open + 1, close - open - 1);
    for (std::size_t i = 0; i < quoted.size(); ++i) {
        value += quoted[i];
        if (quoted[i] == '\'' && i + 1 < quoted.size() && quoted[i + 1] == '\'')
            ++i;  // postgresql.conf doubles a quote inside a quoted value
    }
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(value.c_str(), &error);
    if (parsed == nullptr) {
        PQfreemem(error);
        return line + " (not a conninfo)";
    }
    std::vector<std::string> pairs;
    for (auto* option = parsed; option->keyword != nullptr; ++option)
        if (option->val != nullptr)
            pairs.push_back(std::string(option->keyword) + "=" + option->val);
    PQconninfoFree(parsed);
    std::sort(pairs.begin(), pairs.end());
    std::string sorted;
    for (const auto& pair : pairs)
        sorted += (sorted.empty() ? "" : " ") + pair;
    return line.substr(0, open) + "[" + sorted + "]";
}

// The settings a clone writes for replication, one "name = value" line each, in file order.
std::string replication_settings(const std::string& data_dir) {
    std::ifstream in(data_dir + "/postgresql.auto.conf");
    std::string kept;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("primary_conninfo ", 0) == 0)
            kept += sorted_conninfo(line) + "\n";
        for (const char* name :
             {"recovery_min_apply_delay", "primary_slot_name", "restore_command"}) {
            if (line.rfind(std::string(name) + " ", 0) == 0)
                kept += line + "\n";
        }
    }
    if (fs::exists(data_dir + "/standby.signal"))
        kept += "(standby.signal)\n";
    return kept;
}

// The replication settings a clone that must succeed wrote.
std::string clone_with(const PgCluster& cluster, bool repmgr, const std::string& label,
                       const std::vector<std::string>& options, const std::string& extra_conf) {
    const auto clone = run_clone(cluster, repmgr, label, options, extra_conf);
    INFO(clone.describe());
    REQUIRE(clone.result.exit_code == 0);
    return replication_settings(clone.data_dir);
}

}  // namespace

TEST_CASE(
    "standby clone --recovery-min-apply-delay, --replication-user and --upstream-conninfo "
    "write what repmgr writes",
    "[cli][standby]") {
    PgCluster cluster(1, with_repmgr_library());
    const auto conf1 = write_conf(cluster, 1);
    require_ok(run_repmgr(conf1, {"primary", "register"}));
    // --replication-user's user must be able to open the replication connections both check.
    cluster.psql(1, "CREATE ROLE replicator REPLICATION LOGIN");

    struct Case {
        const char* label;
        std::vector<std::string> options;
        std::string conf;
    };
    const std::vector<Case> cases = {
        {"delay", {"--recovery-min-apply-delay=5min"}, ""},
        {"delay-over-conf", {"--recovery-min-apply-delay=90s"}, "recovery_min_apply_delay='1h'\n"},
        {"repluser", {"--replication-user=replicator"}, ""},
        {"upstream", {"--upstream-conninfo=host=10.0.0.9 port=5433 user=repl"}, ""},
    };
    for (const auto& c : cases) {
        INFO(c.label);
        const auto theirs = clone_with(cluster, true, c.label, c.options, c.conf);
        const auto ours = clone_with(cluster, false, c.label, c.options, c.conf);
        CHECK(ours == theirs);
        CHECK(theirs.find("(standby.signal)") != std::string::npos);
    }

    // A --replication-user that cannot connect for replication stops both before the copy.
    for (const bool repmgr : {true, false}) {
        const auto clone = run_clone(cluster, repmgr, "nobody", {"--replication-user=nobody"}, "");
        INFO(clone.describe());
        CHECK(clone.result.exit_code == 1);
        CHECK_FALSE(fs::exists(clone.data_dir + "/PG_VERSION"));
    }

    // No upstream record (-F; repmgr refuses an --upstream-node-id without one at this point):
    // pg_basebackup would connect as this node's own replication_user, and the check connects as
    // that user too, so a user that may not replicate stops the clone before the copy.
    const auto own_user = run_clone(cluster, false, "own-user", {"--upstream-node-id=99", "-F"},
                                    "replication_user='nobody'\n");
    INFO(own_user.describe());
    CHECK(own_user.result.exit_code == 1);
    CHECK(own_user.result.err.find("unable to establish a replication connection") !=
          std::string::npos);
    CHECK(own_user.result.err.find("starting backup") == std::string::npos);
}

namespace {

// node i's postgresql.auto.conf without the replication settings, and no standby.signal: a copy
// that still has to be told where to replicate from.
void strip_replication(const PgCluster& cluster, int i) {
    const auto& dir = cluster.node(i).data_dir;
    std::ifstream in(dir + "/postgresql.auto.conf");
    std::string kept;
    for (std::string line; std::getline(in, line);) {
        bool replication = false;
        for (const char* name : {"primary_conninfo", "primary_slot_name",
                                 "recovery_min_apply_delay", "restore_command"})
            replication = replication || line.rfind(std::string(name) + " ", 0) == 0;
        if (!replication)
            kept += line + "\n";
    }
    in.close();
    std::ofstream(dir + "/postgresql.auto.conf") << kept;
    fs::remove(dir + "/standby.signal");
}

}  // namespace

TEST_CASE("standby clone --replication-conf-only configures a copied node as repmgr does",
          "[cli][standby]") {
    RepmgrCluster rc(2);
    const auto& node2 = rc.cluster.node(2);
    rc.cluster.stop(2);
    const std::vector<std::string> args = {"-h",
                                           "127.0.0.1",
                                           "-p",
                                           std::to_string(rc.cluster.node(1).port),
                                           "-U",
                                           "postgres",
                                           "-d",
                                           "postgres",
                                           "standby",
                                           "clone",
                                           "--replication-conf-only"};
    auto with = [&](const char* more) {
        auto all = args;
        all.emplace_back(more);
        return all;
    };

    std::vector<std::string> written;
    for (const bool repmgr : {true, false}) {
        INFO((repmgr ? "repmgr" : "pgwarden"));
        strip_replication(rc.cluster, 2);
        const auto dry =
            repmgr ? rc.repmgr(2, with("--dry-run")) : rc.pgwarden(2, with("--dry-run"));
        INFO(dry.describe() << "\n" << dry.err);
        CHECK(dry.exit_code == 0);
        CHECK_FALSE(fs::exists(node2.data_dir + "/standby.signal"));
        const auto done = repmgr ? rc.repmgr(2, args) : rc.pgwarden(2, args);
        INFO(done.describe() << "\n" << done.err);
        CHECK(done.exit_code == 0);
        CHECK(done.err.find("NOTICE: replication configuration written to "
                            "\"postgresql.auto.conf\"\n") != std::string::npos);
        written.push_back(replication_settings(node2.data_dir));
    }
    CHECK(written[0] == written[1]);
    CHECK(written[1].find("(standby.signal)") != std::string::npos);
    CHECK(written[1].find("application_name=node2") != std::string::npos);

    // What pgwarden wrote makes the copy a streaming standby again.
    rc.cluster.start(2);
    rc.cluster.wait_streaming(2, 1);

    // A running server's directory is refused without -F, by both.
    for (const bool repmgr : {true, false}) {
        const auto refused = repmgr ? rc.repmgr(1, args) : rc.pgwarden(1, args);
        INFO(refused.describe() << "\n" << refused.err);
        CHECK(refused.exit_code == 1);
        CHECK(refused.err.find("appears to contain a running PostgreSQL instance") !=
              std::string::npos);
    }
}
