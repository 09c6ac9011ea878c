// witness register and unregister beside the real repmgr 5.3: a separate initdb'd server as the
// witness, registered and unregistered by each program in the same states; the output, exit
// codes, events, the primary's metadata and the witness's own copy must match.
#include "binaries.hpp"
#include "pg_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_cluster.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

// A witness server of its own (node_id 3), its repmgr.conf beside it.
struct WitnessHost {
    PgCluster server{1, with_repmgr_library()};
    std::string conf;

    WitnessHost() {
        const auto& node = server.node(1);
        conf = node.node_dir + "/repmgr.conf";
        std::ofstream(conf) << fmt::format(
            "node_id=3\nnode_name='witness'\nconninfo='{}'\ndata_directory='{}'\n", node.conninfo(),
            node.data_dir);
        give_to_postgres(conf);
    }

    CommandResult run(bool repmgr, std::vector<std::string> args) const {
        const std::string program = repmgr ? std::string(kRepmgr) : pgwarden::test::cli_bin();
        args.insert(args.begin(), {program, "-f", conf});
        return run_command(args, 60s, true);
    }

    std::string copy() const {
        if (server.psql(1, "SELECT to_regclass('repmgr.nodes') IS NULL") == "t")
            return "no schema";
        return nodes_table(server, 1);
    }
};

std::vector<std::string> primary_args(const RepmgrCluster& rc, std::vector<std::string> args) {
    for (const auto& arg : {std::string("-h"), std::string("127.0.0.1"), std::string("-p"),
                            std::to_string(rc.cluster.node(1).port), std::string("-U"),
                            std::string("postgres"), std::string("-d"), std::string("postgres")})
        args.push_back(arg);
    return args;
}

std::string witness_events(const PgCluster& cluster) {
    return cluster.psql(1,
                        "SELECT coalesce(string_agg(node_id || ':' || event || ':' || successful"
                        " || ':' || coalesce(details, ''), ',' ORDER BY event_timestamp), '')"
                        " FROM repmgr.events WHERE event LIKE 'witness%'");
}

// What a run left: the primary's nodes, the witness's copy, the witness record's priority and
// upstream.
std::string state(const RepmgrCluster& rc, const WitnessHost& witness) {
    return nodes_table(rc.cluster, 1) + " / " + witness.copy() + " / " +
           rc.cluster.psql(1,
                           "SELECT coalesce((SELECT priority || ':' || upstream_node_id || ':' ||"
                           " coalesce(slot_name, '-') FROM repmgr.nodes WHERE node_id = 3), '-')");
}

struct Outcome {
    CommandResult result;
    std::string state;
};

void require_alike(const Outcome& theirs, const Outcome& ours, const std::string& other_conninfo,
                   const std::string& our_conninfo) {
    INFO("repmgr: " << theirs.result.command << " exit " << theirs.result.exit_code << "\n"
                    << theirs.result.err);
    INFO("pgwarden: " << ours.result.command << " exit " << ours.result.exit_code << "\n"
                      << ours.result.err);
    CHECK(ours.result.exit_code == theirs.result.exit_code);
    CHECK(ours.result.out == theirs.result.out);
    // The programs ran on the witness whose conninfo each was given.
    CHECK(ours.result.err ==
          (other_conninfo.empty()
               ? theirs.result.err
               : std::regex_replace(theirs.result.err, std::regex(other_conninfo), our_conninfo)));
    CHECK(ours.state == theirs.state);
}

}  // namespace

TEST_CASE("witness register and unregister do what repmgr's do on a witness server of its own",
          "[cli][witness]") {
    RepmgrCluster rc(2);
    WitnessHost theirs_host;  // registered first by repmgr, fresh
    WitnessHost ours_host;    // registered first by pgwarden, fresh
    const auto register_args = primary_args(rc, {"witness", "register"});

    // --dry-run on a fresh server: checks only, nothing created anywhere.
    auto dry = [&](bool repmgr, WitnessHost& host) {
        std::vector<std::string> args = register_args;
        args.push_back("--dry-run");
        auto result = host.run(repmgr, args);
        return Outcome{result, state(rc, host)};
    };
    require_alike(dry(true, theirs_host), dry(false, ours_host), "", "");
    CHECK(ours_host.copy() == "no schema");

    // First registration: the extension is created on the witness and the metadata copied.
    const Outcome first_theirs{theirs_host.run(true, register_args), state(rc, theirs_host)};
    REQUIRE(first_theirs.result.ok());
    const std::string their_events = witness_events(rc.cluster);
    const auto unregistered = theirs_host.run(true, {"witness", "unregister"});
    REQUIRE(unregistered.ok());
    const Outcome first_ours{ours_host.run(false, register_args), state(rc, ours_host)};
    require_alike(first_theirs, first_ours, "", "");
    CHECK(first_ours.state ==
          "1|primary|t|-,2|standby|t|1,3|witness|t|1 / "
          "1|primary|t|-,2|standby|t|1,3|witness|t|1 / 0:1:-");
    CHECK(witness_events(rc.cluster) ==
          their_events +
              ",3:witness_unregister:true:witness unregistration succeeded,"
              "3:witness_register:true:witness registration succeeded; upstream node ID is 1");
    CHECK(ours_host.server.psql(
              1, "SELECT extversion FROM pg_extension WHERE extname = 'repmgr'") == "5.3");

    // The real repmgr reads what pgwarden wrote.
    const auto shown = rc.repmgr(1, {"cluster", "show", "--csv"});
    CHECK(shown.ok());
    CHECK(shown.out.find("\n3,0,0\n") != std::string::npos);

    // Registered already: both refuse without -F, the same way; a second registration with -F.
    auto again = [&](bool repmgr, std::vector<std::string> extra) {
        std::vector<std::string> args = register_args;
        args.insert(args.end(), extra.begin(), extra.end());
        auto result = ours_host.run(repmgr, args);
        return Outcome{result, state(rc, ours_host)};
    };
    require_alike(again(true, {}), again(false, {}), "", "");
    require_alike(again(true, {"-F"}), again(false, {"-F"}), "", "");

    // Unregister: --dry-run, a node that is not a witness, then for real, each from the same
    // registered state.
    auto unregister = [&](bool repmgr, std::vector<std::string> extra) {
        std::vector<std::string> args = {"witness", "unregister"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto result = ours_host.run(repmgr, args);
        return Outcome{result, state(rc, ours_host)};
    };
    require_alike(unregister(true, {"--dry-run"}), unregister(false, {"--dry-run"}), "", "");
    require_alike(unregister(true, {"--node-id=2"}), unregister(false, {"--node-id=2"}), "", "");
    const auto their_unregister = unregister(true, {});
    REQUIRE(again(false, {"-F"}).result.ok());
    const auto our_unregister = unregister(false, {});
    require_alike(their_unregister, our_unregister, "", "");
    // The witness's own copy keeps its record, as repmgr leaves it.
    CHECK(our_unregister.state ==
          "1|primary|t|-,2|standby|t|1 / 1|primary|t|-,2|standby|t|1,3|witness|t|1 / -");

    // Unregistered already: both say there is no record.
    require_alike(unregister(true, {}), unregister(false, {}), "", "");

    // The witness server down: refused without -F; with -F the record goes from the primary
    // named by -h/-p/-U/-d.
    const auto stopped_unregister = [&](bool repmgr) {
        ours_host.server.start(1);
        REQUIRE(again(false, {"-F"}).result.ok());
        ours_host.server.stop(1);
        const auto refused = ours_host.run(repmgr, {"witness", "unregister"});
        INFO(refused.command << "\n" << refused.err);
        CHECK(refused.exit_code == 1);
        CHECK(refused.err.find("ERROR: unable to connect to node \"witness\" (ID: 3)") !=
              std::string::npos);
        auto result = ours_host.run(repmgr, primary_args(rc, {"witness", "unregister", "-F"}));
        return Outcome{result, nodes_table(rc.cluster, 1)};
    };
    const auto their_forced = stopped_unregister(true);
    const auto our_forced = stopped_unregister(false);
    require_alike(their_forced, our_forced, "", "");
    CHECK(our_forced.state == "1|primary|t|-,2|standby|t|1");
}
