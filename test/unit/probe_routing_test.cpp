// Patroni's endpoint semantics over our NodeState: every endpoint against every kind of node.
#include "routing.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <limits>
#include <string>
#include <vector>

using pgwarden::cluster::NodeState;
namespace probe = pgwarden::probe;
using probe::BodyMode;
using probe::Endpoint;
using probe::Method;

namespace {

NodeState primary() {
    NodeState s;
    s.reachable = true;
    s.in_recovery = false;
    s.timeline = 3;
    return s;
}

NodeState standby_streaming(std::uint64_t lag) {
    NodeState s;
    s.reachable = true;
    s.in_recovery = true;
    s.timeline = 3;
    s.streaming = true;
    s.replay_lag_bytes = lag;
    return s;
}

NodeState standby_not_streaming() {
    NodeState s;
    s.reachable = true;
    s.in_recovery = true;
    s.timeline = 3;
    return s;
}

NodeState unreachable() {
    NodeState s;
    s.error = "could not connect: host=db1 password=secret";
    return s;
}

struct Row {
    const char* target;
    // Expected status on: primary, standby streaming 1000 bytes behind, standby not streaming,
    // PostgreSQL unreachable.
    std::array<unsigned, 4> status;
};

const std::vector<Row> kRows = {
    // Primary checks and their aliases.
    {"/", {200, 503, 503, 503}},
    {"/primary", {200, 503, 503, 503}},
    {"/master", {200, 503, 503, 503}},
    {"/old-master-check", {200, 503, 503, 503}},
    {"/leader", {200, 503, 503, 503}},
    {"/read-write", {200, 503, 503, 503}},
    {"/primary?tag_x=1", {200, 503, 503, 503}},
    {"/?", {200, 503, 503, 503}},
    // Not an absolute path: HAProxy's `option httpchk GET` and `OPTIONS *`.
    {"GET", {200, 503, 503, 503}},
    {"*", {200, 503, 503, 503}},
    {"http://db1:5445/replica", {503, 200, 200, 503}},
    {"http://db1:5445", {200, 503, 503, 503}},
    // Replica: in recovery; with ?lag=, lag known and within it.
    {"/replica", {503, 200, 200, 503}},
    {"/replica?lag=1000", {503, 200, 503, 503}},
    {"/replica?lag=999", {503, 503, 503, 503}},
    {"/replica?lag=1kB", {503, 200, 503, 503}},
    {"/replica?lag=16MB&tag_x=y", {503, 200, 503, 503}},
    {"/replica?other=1&lag=1%20kB", {503, 200, 503, 503}},
    {"/replica?lag=999&lag=1MB", {503, 503, 503, 503}},  // the first wins, as parse_qs()[0]
    // Read-only: the primary, or a replica that passes.
    {"/read-only", {200, 200, 200, 503}},
    {"/read-only?lag=10", {200, 503, 503, 503}},
    {"/read-only?lag=1MB", {200, 200, 503, 503}},
    {"/health", {200, 200, 200, 503}},
    // Readiness: the leader, or a streaming standby within ?lag= (default 1 MiB) of replayed WAL.
    {"/readiness", {200, 200, 503, 503}},
    {"/readiness?lag=1000", {200, 200, 503, 503}},
    {"/readiness?lag=999", {200, 503, 503, 503}},
    {"/readiness?mode=apply&lag=999", {200, 503, 503, 503}},
    {"/liveness", {200, 200, 200, 200}},
    {"/metrics", {200, 200, 200, 200}},
    // Fail closed, and say why.
    {"/nope", {404, 404, 404, 404}},
    {"/primary/", {404, 404, 404, 404}},
    {"/Replica", {404, 404, 404, 404}},
    {"/replica?lag=abc", {400, 400, 400, 400}},
    {"/replica?lag=", {400, 400, 400, 400}},
    {"/replica?lag=-1", {400, 400, 400, 400}},
    {"/primary?lag=1XB", {400, 400, 400, 400}},
};

std::array<NodeState, 4> states() {
    return {primary(), standby_streaming(1000), standby_not_streaming(), unreachable()};
}

unsigned status_of(const char* method, const char* target, const NodeState& state) {
    const auto route = probe::parse_route(method, target);
    return probe::needs_node_state(route) ? probe::decide(route, state).status
                                          : probe::decide(route).status;
}

}  // namespace

TEST_CASE("every endpoint answers each kind of node as Patroni does", "[probe][routing]") {
    const auto nodes = states();
    const char* kinds[] = {"primary", "standby streaming", "standby not streaming", "unreachable"};
    for (const auto& row : kRows) {
        for (const char* method : {"GET", "HEAD", "OPTIONS"}) {
            for (std::size_t i = 0; i < nodes.size(); ++i) {
                INFO(method << " " << row.target << " on " << kinds[i]);
                CHECK(status_of(method, row.target, nodes[i]) == row.status[i]);
            }
        }
    }
}

TEST_CASE("a method other than GET, HEAD and OPTIONS gets 405 with Allow", "[probe][routing]") {
    for (const char* method : {"POST", "PUT", "DELETE", "get", "PATCH"}) {
        const auto route = probe::parse_route(method, "/primary");
        CHECK(route.method == Method::other);
        CHECK_FALSE(probe::needs_node_state(route));
        const auto reply = probe::decide(route, primary());
        CHECK(reply.status == 405);
        CHECK(reply.allow_header);
        CHECK(reply.body_mode == BodyMode::full);
    }
    CHECK(probe::kAllowedMethods == "GET, HEAD, OPTIONS");
}

TEST_CASE("HAProxy's exact request lines route to the primary check", "[probe][routing]") {
    // option httpchk -> OPTIONS / HTTP/1.0; option httpchk GET -> OPTIONS GET HTTP/1.0.
    for (const char* target : {"/", "GET", "*"}) {
        const auto route = probe::parse_route("OPTIONS", target);
        CHECK(route.endpoint == Endpoint::primary);
        CHECK(route.method == Method::options);
        CHECK(probe::needs_node_state(route));
    }
    CHECK(probe::parse_route("GET", "/master").endpoint == Endpoint::primary);
}

TEST_CASE("query strings are stripped before matching and lag is read from them",
          "[probe][routing]") {
    const auto route = probe::parse_route("GET", "/replica?lag=16MB");
    CHECK(route.endpoint == Endpoint::replica);
    CHECK(route.path == "/replica");
    REQUIRE(route.max_lag_bytes);
    CHECK(*route.max_lag_bytes == 16ULL * 1024 * 1024);
    CHECK_FALSE(route.bad_request);

    const auto bad = probe::parse_route("GET", "/replica?lag=lots");
    REQUIRE(bad.bad_request);
    CHECK(bad.bad_request->find("lots") != std::string::npos);
    CHECK_FALSE(probe::needs_node_state(bad));
    const auto reply = probe::decide(bad, standby_streaming(0));
    CHECK(reply.status == 400);
    CHECK(reply.body.find("bad lag value") != std::string::npos);
}

TEST_CASE("lag values parse as Patroni's parse_int(value, 'B') does, in any case",
          "[probe][routing]") {
    struct LagRow {
        const char* text;
        std::optional<std::uint64_t> bytes;
    };
    const std::uint64_t k = 1024;
    const std::vector<LagRow> rows = {
        {"0", 0},
        {"1024", 1024},
        {"1B", 1},
        {"16kB", 16 * k},
        {"16KB", 16 * k},
        {"16kb", 16 * k},
        {"16MB", 16 * k * k},
        {"16mb", 16 * k * k},
        {"1GB", k * k * k},
        {"1gB", k * k * k},
        {"2TB", 2 * k * k * k * k},
        {"16 MB", 16 * k * k},
        {" 16MB ", 16 * k * k},
        {"1.5MB", 1536 * k},  // rounded to whole kB, as Patroni
        {"0.5kB", 512},
        {".5kB", 512},
        {"1.0001kB", 1024},
        {"2.5", 2},  // round half to even, as Python's round()
        {"3.5", 4},
        {"18446744073709551615", std::numeric_limits<std::uint64_t>::max()},
        {"18446744073709551616", std::nullopt},
        {"17179869184GB", std::nullopt},  // 2^64 bytes
        {"", std::nullopt},
        {"abc", std::nullopt},
        {"-1", std::nullopt},
        {"+1", std::nullopt},
        {"16XB", std::nullopt},
        {"16 M B", std::nullopt},
        {"1.MB", std::nullopt},
        {"0x400", std::nullopt},
        {"1e3", std::nullopt},
        {"16MB16", std::nullopt},
    };
    for (const auto& row : rows) {
        INFO("lag=" << row.text);
        CHECK(probe::parse_lag(row.text) == row.bytes);
    }
}

TEST_CASE("liveness, metrics, unknown paths and bad requests need no SQL", "[probe][routing]") {
    CHECK_FALSE(probe::needs_node_state(probe::parse_route("GET", "/liveness")));
    CHECK_FALSE(probe::needs_node_state(probe::parse_route("GET", "/metrics")));
    CHECK_FALSE(probe::needs_node_state(probe::parse_route("GET", "/favicon.ico")));
    CHECK_FALSE(probe::needs_node_state(probe::parse_route("GET", "/replica?lag=x")));
    CHECK_FALSE(probe::needs_node_state(probe::parse_route("POST", "/primary")));
    for (const char* target : {"/", "/primary", "/replica", "/read-only", "/health"})
        CHECK(probe::needs_node_state(probe::parse_route("GET", target)));
}

TEST_CASE("a state-needing route decided without a state fails closed", "[probe][routing]") {
    CHECK(probe::decide(probe::parse_route("GET", "/primary")).status == 503);
    CHECK(probe::decide(probe::parse_route("GET", "/health")).status == 503);
}

TEST_CASE("HEAD and OPTIONS keep the status and mark the body for the server", "[probe][routing]") {
    const auto get = probe::decide(probe::parse_route("GET", "/primary"), primary());
    const auto head = probe::decide(probe::parse_route("HEAD", "/primary"), primary());
    const auto options = probe::decide(probe::parse_route("OPTIONS", "/primary"), primary());
    CHECK(get.body_mode == BodyMode::full);
    CHECK(head.body_mode == BodyMode::headers_only);
    CHECK(options.body_mode == BodyMode::none);
    CHECK(head.status == get.status);
    CHECK(options.status == get.status);
    CHECK(head.body == get.body);  // HEAD's Content-Length is GET's body size
}

TEST_CASE("the status body says what the check saw, compactly and without secrets",
          "[probe][routing]") {
    const auto body = [](const NodeState& state) {
        return probe::decide(probe::parse_route("GET", "/health"), state).body;
    };
    CHECK(body(primary()) ==
          R"({"role":"primary","state":"running","in_recovery":false,"timeline":3,)"
          R"("replication_state":null,"lag_bytes":null,"accepting_connections":true})");
    CHECK(body(standby_streaming(1000)) ==
          R"({"role":"standby","state":"running","in_recovery":true,"timeline":3,)"
          R"("replication_state":"streaming","lag_bytes":1000,"accepting_connections":true})");
    CHECK(body(standby_not_streaming()) ==
          R"({"role":"standby","state":"running","in_recovery":true,"timeline":3,)"
          R"("replication_state":null,"lag_bytes":null,"accepting_connections":true})");
    CHECK(body(unreachable()) ==
          R"({"role":"unknown","state":"unreachable","in_recovery":null,"timeline":null,)"
          R"("replication_state":null,"lag_bytes":null,"accepting_connections":true})");
    CHECK(body(unreachable()).find("secret") == std::string::npos);
}

TEST_CASE("a node whose server takes no new connections answers 503 to every role check",
          "[probe][routing]") {
    // A frozen postmaster: the probe's own backend still answers, new clients cannot connect.
    auto frozen_primary = primary();
    frozen_primary.accepting_connections = false;
    auto frozen_standby = standby_streaming(0);
    frozen_standby.accepting_connections = false;
    for (const auto& state : {frozen_primary, frozen_standby}) {
        for (const char* target : {"/", "/primary", "/master", "/leader", "/read-write", "GET",
                                   "/replica", "/read-only", "/health"}) {
            for (const char* method : {"GET", "HEAD", "OPTIONS"}) {
                INFO(method << " " << target << " in recovery " << state.in_recovery);
                CHECK(status_of(method, target, state) == 503);
            }
        }
        CHECK(status_of("GET", "/liveness", state) == 200);  // the probe itself is fine
        CHECK(status_of("GET", "/metrics", state) == 200);
    }
    const auto body = probe::decide(probe::parse_route("GET", "/primary"), frozen_primary).body;
    CHECK(body == R"({"role":"primary","state":"running","in_recovery":false,"timeline":3,)"
                  R"("replication_state":null,"lag_bytes":null,"accepting_connections":false})");
}

TEST_CASE("the 404 body names the path, JSON-escaped, and the endpoints there are",
          "[probe][routing]") {
    const auto reply = probe::decide(probe::parse_route("GET", "/a\"b\\c\x01\xff"), primary());
    CHECK(reply.status == 404);
    CHECK(reply.body.find(R"(/a\"b\\c\u0001\u00ff)") != std::string::npos);
    CHECK(reply.body.find("/replica") != std::string::npos);
}

TEST_CASE("json_string escapes quotes, backslashes and control bytes", "[probe][routing]") {
    CHECK(probe::json_string("plain") == R"("plain")");
    CHECK(probe::json_string("a\"b\\c\n") == R"("a\"b\\c\u000a")");
    CHECK(probe::json_string(std::string("\0", 1)) == R"("\u0000")");
}

TEST_CASE("endpoint names are the metrics labels", "[probe][routing]") {
    CHECK(probe::endpoint_name(Endpoint::primary) == "primary");
    CHECK(probe::endpoint_name(Endpoint::read_only) == "read_only");
    CHECK(probe::endpoint_name(Endpoint::not_found) == "not_found");
}

TEST_CASE("/readiness answers as Patroni's: mode=write measures received WAL, 1 MiB by default",
          "[probe][routing]") {
    probe::Observation standby = standby_streaming(5000);
    standby.receive_lag_bytes = 10;  // received nearly all, replayed less
    const auto status = [](const char* target, const probe::Observation& state) {
        return probe::decide(probe::parse_route("GET", target), state).status;
    };
    CHECK(status("/readiness?lag=100", standby) == 503);
    CHECK(status("/readiness?lag=100&mode=write", standby) == 200);
    CHECK(status("/readiness?lag=5&mode=write", standby) == 503);
    CHECK(status("/readiness?mode=other&lag=100", standby) == 503);  // anything else is apply

    probe::Observation far_behind = standby_streaming(2 * 1024 * 1024);
    far_behind.receive_lag_bytes = 0;
    CHECK(status("/readiness", far_behind) == 503);
    CHECK(status("/readiness?mode=write", far_behind) == 200);
    CHECK(status("/readiness?lag=4MB", far_behind) == 200);

    probe::Observation lag_unknown = standby_streaming(0);
    lag_unknown.replay_lag_bytes.reset();  // a silent primary (receiver_freshness.hpp)
    CHECK(status("/readiness", lag_unknown) == 503);

    // A primary that pgwardend's lease no longer backs is not the leader: not ready.
    auto fenced = primary();
    fenced.lease_allows_primary = false;
    CHECK(status("/readiness", fenced) == 503);
}

TEST_CASE("/sync and /async answer as Patroni's from the sync_state pgwardend last saw",
          "[probe][routing]") {
    const auto status = [](const char* target, const probe::Observation& state) {
        return probe::decide(probe::parse_route("GET", target), state).status;
    };
    const std::vector<std::pair<std::optional<std::string>, bool>> states{
        {"sync", true},   {"quorum", true},      {"potential", false},
        {"async", false}, {std::nullopt, false},  // no fresh record: nothing is known to be
                                                  // synchronous
    };
    for (const auto& [sync_state, synchronous] : states) {
        INFO(sync_state.value_or("unknown"));
        probe::Observation standby = standby_streaming(100);
        standby.sync_state = sync_state;
        CHECK(status("/sync", standby) == (synchronous ? 200 : 503));
        CHECK(status("/synchronous", standby) == (synchronous ? 200 : 503));
        CHECK(status("/async", standby) == (synchronous ? 503 : 200));
        CHECK(status("/asynchronous", standby) == (synchronous ? 503 : 200));
        CHECK(status("/async?lag=10", standby) == 503);  // the lag limit applies as for /replica
    }
    probe::Observation leader = primary();
    leader.sync_state = "sync";  // never read for a primary
    CHECK(status("/sync", leader) == 503);
    CHECK(status("/async", leader) == 503);
    probe::Observation standby = standby_streaming(100);
    standby.sync_state = "sync";
    const auto reply = probe::decide(probe::parse_route("GET", "/sync"), standby);
    CHECK(reply.body.find(R"("sync_state":"sync")") != std::string::npos);
    CHECK(probe::endpoint_name(Endpoint::sync) == "sync");
    CHECK(probe::endpoint_name(Endpoint::async) == "async");
}
