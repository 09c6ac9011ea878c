// repmgr 5.3's cluster show cells, warnings and layouts, from observations alone.
#include "cluster_show_format.hpp"
#include "node_records.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden;
using cli::NodeObservation;
using cli::Reachability;
using model::NodeType;
using pgwarden::test::record;

namespace {

NodeObservation up(bool in_recovery, std::optional<int> own_upstream,
                   const std::string& own_upstream_name, NodeType type) {
    NodeObservation obs;
    obs.reachability = Reachability::up;
    obs.in_recovery = in_recovery;
    obs.timeline = 1;
    obs.own_record = cli::OwnRecord{type, own_upstream, own_upstream_name};
    obs.replication_clients.emplace();
    return obs;
}

NodeObservation down() {
    NodeObservation obs;
    obs.connect_error = "connection refused\n";
    return obs;
}

// node1 primary streaming to node2 and node3.
struct Healthy {
    std::vector<cluster::NodeRecord> nodes = {record(1, NodeType::primary, std::nullopt),
                                              record(2, NodeType::standby, 1),
                                              record(3, NodeType::standby, 1)};
    std::vector<NodeObservation> obs = {up(false, std::nullopt, "", NodeType::primary),
                                        up(true, 1, "node1", NodeType::standby),
                                        up(true, 1, "node1", NodeType::standby)};
    Healthy() {
        obs[0].replication_clients =
            std::vector<cli::ReplicationClient>{{"node2", "streaming"}, {"node3", "streaming"}};
    }
};

}  // namespace

TEST_CASE("a healthy cluster shows repmgr's table with no warnings", "[cluster-show]") {
    Healthy h;
    const auto report = cli::assess_nodes(h.nodes, h.obs, cli::StatusCommand::cluster_show, false);
    CHECK(report.warnings.empty());
    CHECK_FALSE(cli::has_issues(report));
    CHECK(cli::format_cluster_table(h.nodes, report, false) ==
          " ID | Name  | Role    | Status    | Upstream | Location | Priority | Timeline | "
          "Connection string                          \n"
          "----+-------+---------+-----------+----------+----------+----------+----------+-"
          "--------------------------------------------\n"
          " 1  | node1 | primary | * running |          | default  | 100      | 1        | "
          "host=10.0.0.1 dbname=repmgr password=secret\n"
          " 2  | node2 | standby |   running | node1    | default  | 100      | 1        | "
          "host=10.0.0.2 dbname=repmgr password=secret\n"
          " 3  | node3 | standby |   running | node1    | default  | 100      | 1        | "
          "host=10.0.0.3 dbname=repmgr password=secret\n");
    CHECK(cli::format_cluster_table(h.nodes, report, true) ==
          " ID | Name  | Role    | Status    | Upstream | Location | Prio. | TLI\n"
          "----+-------+---------+-----------+----------+----------+-------+-----\n"
          " 1  | node1 | primary | * running |          | default  | 100   | 1   \n"
          " 2  | node2 | standby |   running | node1    | default  | 100   | 1   \n"
          " 3  | node3 | standby |   running | node1    | default  | 100   | 1   \n");
    CHECK(cli::format_cluster_csv(h.nodes, h.obs) == "1,0,0\n2,0,1\n3,0,1\n");
}

TEST_CASE("an unreachable standby is '? unreachable', a warning, and exit 25 even in CSV",
          "[cluster-show]") {
    Healthy h;
    h.obs[2] = down();
    h.obs[0].replication_clients = std::vector<cli::ReplicationClient>{{"node2", "streaming"}};
    const auto report = cli::assess_nodes(h.nodes, h.obs, cli::StatusCommand::cluster_show, false);
    CHECK(report.cells[2].status == "? unreachable");
    CHECK(report.cells[2].upstream == "? node1");
    CHECK(report.cells[2].timeline.empty());
    CHECK(report.connection_error);
    CHECK(cli::has_issues(report));
    CHECK(cli::format_warnings(report) ==
          "following issues were detected\n"
          "  - unable to connect to node \"node3\" (ID: 3)\n"
          "  - node \"node3\" (ID: 3) is registered as an active standby but is unreachable\n");
    CHECK(cli::format_cluster_csv(h.nodes, h.obs) == "1,0,0\n2,0,1\n3,-1,-1\n");

    const auto verbose = cli::assess_nodes(h.nodes, h.obs, cli::StatusCommand::cluster_show, true);
    CHECK(verbose.warnings.front() ==
          "when attempting to connect to node \"node3\" (ID: 3), following error encountered :\n"
          "\"connection refused\"");
}

TEST_CASE("status cells follow repmgr's table of role, record and reachability", "[cluster-show]") {
    struct Case {
        NodeType type;
        bool active;
        Reachability reach;
        std::optional<bool> in_recovery;
        std::string status;
    };
    const std::vector<Case> cases = {
        {NodeType::primary, true, Reachability::up, false, "* running"},
        {NodeType::primary, true, Reachability::up, true, "! running as standby"},
        {NodeType::primary, true, Reachability::up, std::nullopt, "! unknown"},
        {NodeType::primary, false, Reachability::up, false, "! running"},
        {NodeType::primary, false, Reachability::up, true, "! running as standby"},
        {NodeType::primary, true, Reachability::rejected, std::nullopt, "? running"},
        {NodeType::primary, false, Reachability::rejected, std::nullopt, "! running"},
        {NodeType::primary, true, Reachability::down, std::nullopt, "? unreachable"},
        {NodeType::primary, false, Reachability::down, std::nullopt, "- failed"},
        {NodeType::standby, true, Reachability::up, true, "  running"},
        {NodeType::standby, true, Reachability::up, false, "! running as primary"},
        {NodeType::standby, false, Reachability::up, true, "! running"},
        {NodeType::standby, false, Reachability::up, false, "! running as primary"},
        {NodeType::standby, false, Reachability::down, std::nullopt, "- failed"},
        {NodeType::witness, true, Reachability::up, false, "* running"},
        {NodeType::witness, true, Reachability::rejected, std::nullopt, "? rejected"},
        {NodeType::witness, false, Reachability::rejected, std::nullopt, "! failed"},
    };
    for (const auto& c : cases) {
        INFO(model::node_type_name(c.type)
             << " active=" << c.active << " reach=" << static_cast<int>(c.reach));
        NodeObservation obs;
        obs.reachability = c.reach;
        obs.in_recovery = c.in_recovery;
        const std::vector<cluster::NodeRecord> nodes = {record(1, c.type, std::nullopt, c.active)};
        const auto report =
            cli::assess_nodes(nodes, {obs}, cli::StatusCommand::cluster_show, false);
        CHECK(report.cells[0].status == c.status);
        // Only a node that answered as registered is no issue ("? running" also failed to connect).
        CHECK(cli::has_issues(report) == (c.status != "* running" && c.status != "  running"));
    }
}

TEST_CASE("upstream markers: detached is '!', not streaming '?', another upstream '! name'",
          "[cluster-show]") {
    Healthy h;
    h.obs[0].replication_clients = std::vector<cli::ReplicationClient>{{"node3", "catchup"}};
    h.obs[2].own_record->upstream_node_id = 2;
    h.obs[2].own_record->upstream_node_name = "node2";
    auto report = cli::assess_nodes(h.nodes, h.obs, cli::StatusCommand::cluster_show, false);
    CHECK(report.cells[1].upstream == "! node1");
    CHECK(report.cells[2].upstream == "! node2");
    CHECK(report.warnings ==
          std::vector<std::string>{
              "node \"node2\" (ID: 2) is not attached to its upstream node \"node1\" (ID: 1)",
              "node \"node3\" (ID: 3) reports a different upstream (reported: \"node2\", "
              "expected \"node1\")"});

    h.obs[2] = up(true, 1, "node1", NodeType::standby);
    report = cli::assess_nodes(h.nodes, h.obs, cli::StatusCommand::cluster_show, false);
    CHECK(report.cells[2].upstream == "? node1");
    CHECK(report.warnings.back() ==
          "node \"node3\" (ID: 3) attached to its upstream node \"node1\" (ID: 1) in state "
          "\"catchup\"");
}

TEST_CASE("cluster show --json has one object per node with the password masked",
          "[cluster-show]") {
    Healthy h;
    h.obs[1].replay_lag_bytes = 4096;
    const auto report = cli::assess_nodes(h.nodes, h.obs, cli::StatusCommand::cluster_show, false);
    const auto json = cli::format_cluster_json(h.nodes, h.obs, report);
    CHECK(json.find("secret") == std::string::npos);
    CHECK(json.find("{\"id\": 1, \"name\": \"node1\", \"role\": \"primary\", \"status\": "
                    "\"* running\", \"upstream\": null, \"priority\": 100, \"location\": "
                    "\"default\", \"timeline\": 1, \"replay_lag_bytes\": null") !=
          std::string::npos);
    CHECK(json.find("\"upstream\": \"node1\", \"priority\": 100, \"location\": \"default\", "
                    "\"timeline\": 1, \"replay_lag_bytes\": 4096") != std::string::npos);
    CHECK(json.front() == '[');
}

TEST_CASE("service status says 'not running' with n/a where repmgr does", "[cluster-show]") {
    Healthy h;
    h.obs[2] = down();
    const auto report =
        cli::assess_nodes(h.nodes, h.obs, cli::StatusCommand::service_status, false);
    CHECK(report.warnings.front() == "unable to  connect to node \"node3\" (ID: 3)");
    CHECK(cli::format_service_csv(h.nodes, h.obs) ==
          "1,node1,primary,1,0,-1,0,100,-1,default\n"
          "2,node2,standby,1,0,-1,0,100,-1,default\n"
          "3,node3,standby,0,-1,-1,-1,100,-1,default\n");
    const auto table = cli::format_service_table(h.nodes, h.obs, report);
    CHECK(table.find(" 1  | node1 | primary | * running     |          | not running | n/a | n/a"
                     "     | n/a                \n") != std::string::npos);
    CHECK(table.find(" 3  | node3 | standby | ? unreachable | ? node1  | n/a         | n/a | n/a"
                     "     | n/a                \n") != std::string::npos);
}

TEST_CASE("service status --detail adds location and priority, --compact shortens headers",
          "[cluster-show]") {
    Healthy h;
    h.obs[0].daemon.pid = 4242;
    h.obs[0].daemon.running = true;
    h.obs[0].daemon.paused = true;
    h.obs[1].daemon.pid = 4343;
    h.obs[1].daemon.running = true;
    h.obs[1].daemon.upstream_last_seen = 3;
    h.nodes[1].location = "dc2";
    h.nodes[1].priority = 50;
    const auto report =
        cli::assess_nodes(h.nodes, h.obs, cli::StatusCommand::service_status, false);

    const auto detail = cli::format_service_table(h.nodes, h.obs, report, {true, false});
    INFO(detail);
    CHECK(detail.rfind(" ID | Name  | Role    | Status    | Upstream | Location | Priority |"
                       " repmgrd     | PID  | Paused? | Upstream last seen\n",
                       0) == 0);
    CHECK(detail.find(" 1  | node1 | primary | * running |          | default  | 100      |"
                      " running     | 4242 | yes     | n/a                \n") !=
          std::string::npos);
    CHECK(detail.find(" 2  | node2 | standby |   running | node1    | dc2      | 50       |"
                      " running     | 4343 | no      | 3 second(s) ago    \n") !=
          std::string::npos);

    const auto compact = cli::format_service_table(h.nodes, h.obs, report, {true, true});
    CHECK(compact.find("| Prio. |") != std::string::npos);
    CHECK(compact.find("| Upstr. last \n") != std::string::npos);
    CHECK(compact.find("| 3 sec(s) ago \n") != std::string::npos);

    // Without --detail neither column appears.
    const auto plain = cli::format_service_table(h.nodes, h.obs, report);
    CHECK(plain.find("Location") == std::string::npos);
    CHECK(plain.find("Priority") == std::string::npos);
}
