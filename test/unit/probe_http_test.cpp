// The HTTP server's sessions fed byte by byte over boost::beast::test::stream: what HAProxy really
// sends, keep-alive, pipelining, limits and malformed input, with a fake RoleSource.
#include "http_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace probe = pgwarden::probe;
using pgwarden::cluster::NodeState;
using tcp = boost::asio::ip::tcp;

namespace {

NodeState primary_state() {
    NodeState s;
    s.reachable = true;
    s.timeline = 1;
    return s;
}

NodeState standby_state() {
    NodeState s;
    s.reachable = true;
    s.in_recovery = true;
    s.streaming = true;
    s.replay_lag_bytes = 0;
    s.timeline = 1;
    return s;
}

// Answers at once, or holds the callbacks until answer_all() when `deferred`.
class FakeRoleSource : public probe::RoleSource {
  public:
    NodeState state = primary_state();
    bool deferred = false;
    int calls = 0;
    std::vector<Callback> pending;

    void check(Callback done) override {
        ++calls;
        if (deferred)
            pending.push_back(std::move(done));
        else
            done(state);
    }

    void answer_all() {
        auto callbacks = std::move(pending);
        pending.clear();
        for (auto& done : callbacks)
            done(state);
    }
};

using Response = http::response<http::string_body>;

// Splits what the server wrote into responses; `head` says the requests were HEAD.
std::vector<Response> parse_responses(std::string_view bytes, bool head = false) {
    std::vector<Response> out;
    while (!bytes.empty()) {
        http::response_parser<http::string_body> parser;
        parser.eager(true);
        parser.skip(head);
        beast::error_code ec;
        const auto used = parser.put(net::buffer(bytes.data(), bytes.size()), ec);
        INFO("response bytes: " << bytes);
        REQUIRE_FALSE(ec);
        REQUIRE(parser.is_done());
        bytes.remove_prefix(used);
        out.push_back(parser.release());
    }
    return out;
}

struct Harness {
    explicit Harness(probe::ServerLimits limits_in = {}) : limits(limits_in) {}

    ~Harness() {
        server.stop();
        roles.answer_all();
        pump();
    }

    // Runs every handler that is ready, and those they make ready, without waiting on timers.
    void pump() {
        io.restart();
        io.poll();
    }

    // A connection whose server end is handed to the server; the test keeps the client end.
    beast::test::stream connect(
        const boost::asio::ip::address& source = boost::asio::ip::address_v4::loopback()) {
        beast::test::stream server_end(io);
        beast::test::stream client(io);
        server_end.connect(client);
        server.accept_on(std::move(server_end), source);
        return client;
    }

    void send(beast::test::stream& client, std::string_view bytes) {
        net::write(client, net::buffer(bytes.data(), bytes.size()));
        pump();
    }

    // What the server wrote so far on `client`, taken out of it.
    std::string take(beast::test::stream& client) {
        std::string bytes(client.str());
        client.clear();
        return bytes;
    }

    net::io_context io;
    FakeRoleSource roles;
    probe::Metrics metrics;
    probe::ServerLimits limits;
    probe::HttpServer server{io, tcp::endpoint{}, limits, roles, metrics};
};

// One request on a fresh connection; the whole exchange as the client saw it.
std::string round_trip(Harness& h, std::string_view request) {
    auto client = h.connect();
    h.send(client, request);
    return h.take(client);
}

// The server closed its end: a read finds the end of the stream.
bool closed_by_server(beast::test::stream& client) {
    beast::error_code ec;
    char byte = 0;
    client.read_some(net::buffer(&byte, 1), ec);
    return ec == net::error::eof;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

TEST_CASE("HAProxy's default httpchk gets 200 from a primary, the status line only",
          "[probe][http]") {
    Harness h;
    const auto bytes = round_trip(h, "OPTIONS / HTTP/1.0\r\n\r\n");
    CHECK(starts_with(bytes, "HTTP/1.0 200 OK\r\n"));
    const auto responses = parse_responses(bytes);
    REQUIRE(responses.size() == 1);
    CHECK(responses[0][http::field::content_length] == "0");
    CHECK(responses[0].body().empty());
    CHECK(h.server.open_connections() == 0);  // HTTP/1.0 without keep-alive: closed
    CHECK(h.roles.calls == 1);
}

TEST_CASE("HAProxy's default httpchk gets 503 from a standby", "[probe][http]") {
    Harness h;
    h.roles.state = standby_state();
    CHECK(starts_with(round_trip(h, "OPTIONS / HTTP/1.0\r\n\r\n"),
                      "HTTP/1.0 503 Service Unavailable"));
}

TEST_CASE("`option httpchk GET` (OPTIONS GET HTTP/1.0) is answered as the primary check",
          "[probe][http]") {
    Harness h;
    CHECK(starts_with(round_trip(h, "OPTIONS GET HTTP/1.0\r\n\r\n"), "HTTP/1.0 200 OK\r\n"));
    h.roles.state = standby_state();
    CHECK(starts_with(round_trip(h, "OPTIONS GET HTTP/1.0\r\n\r\n"), "HTTP/1.0 503 "));
    CHECK(starts_with(round_trip(h, "OPTIONS * HTTP/1.0\r\n\r\n"), "HTTP/1.0 503 "));
}

TEST_CASE("GET /master gets the status JSON with our headers", "[probe][http]") {
    Harness h;
    const auto responses = parse_responses(round_trip(h, "GET /master HTTP/1.0\r\n\r\n"));
    REQUIRE(responses.size() == 1);
    const auto& r = responses[0];
    CHECK(r.result_int() == 200);
    CHECK(r.version() == 10);
    CHECK(r[http::field::content_type] == "application/json");
    CHECK(r[http::field::server] == "pgwarden-probe");
    CHECK(r[http::field::cache_control] == "no-store");
    CHECK(r.body() == R"({"role":"primary","state":"running","in_recovery":false,"timeline":1,)"
                      R"("replication_state":null,"lag_bytes":null,"accepting_connections":true})");
    CHECK(r[http::field::content_length] == std::to_string(r.body().size()));
}

TEST_CASE("an HTTP/1.1 check with Connection: close is answered in 1.1 and closed",
          "[probe][http]") {
    Harness h;
    const auto bytes = round_trip(h, "OPTIONS / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(starts_with(bytes, "HTTP/1.1 200 OK\r\n"));
    const auto responses = parse_responses(bytes);
    REQUIRE(responses.size() == 1);
    CHECK_FALSE(responses[0].keep_alive());
    CHECK(h.server.open_connections() == 0);
}

TEST_CASE("HTTP/1.1 keep-alive answers two requests on one connection", "[probe][http]") {
    Harness h;
    auto client = h.connect();
    h.send(client, "GET /primary HTTP/1.1\r\nHost: x\r\n\r\n");
    auto first = parse_responses(h.take(client));
    REQUIRE(first.size() == 1);
    CHECK(first[0].result_int() == 200);
    CHECK(first[0].keep_alive());
    CHECK(h.server.open_connections() == 1);

    h.send(client, "GET /replica HTTP/1.1\r\nHost: x\r\n\r\n");
    auto second = parse_responses(h.take(client));
    REQUIRE(second.size() == 1);
    CHECK(second[0].result_int() == 503);
    CHECK(h.roles.calls == 2);

    client.close();  // the client goes away between requests
    h.pump();
    CHECK(h.server.open_connections() == 0);
}

TEST_CASE("HTTP/1.0 keep-alive is honoured when asked for", "[probe][http]") {
    Harness h;
    auto client = h.connect();
    h.send(client, "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const auto responses = parse_responses(h.take(client));
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].version() == 10);
    CHECK(responses[0].keep_alive());
    CHECK(h.server.open_connections() == 1);
}

TEST_CASE("pipelined requests in one write get their responses in order", "[probe][http]") {
    Harness h;
    h.roles.deferred = true;
    auto client = h.connect();
    h.send(client,
           "GET /replica HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /primary HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    // One at a time: the second check starts only once the first is answered.
    CHECK(h.roles.calls == 1);
    CHECK(client.str().empty());
    h.roles.answer_all();
    h.pump();
    CHECK(h.roles.calls == 2);
    h.roles.answer_all();
    h.pump();
    const auto responses = parse_responses(h.take(client));
    REQUIRE(responses.size() == 3);
    CHECK(responses[0].result_int() == 503);  // /replica on a primary
    CHECK(responses[1].result_int() == 200);  // /primary
    CHECK(responses[2].result_int() == 200);  // /liveness, no check
    CHECK(h.roles.calls == 2);
}

TEST_CASE("a request delivered one byte at a time is answered once whole", "[probe][http]") {
    Harness h;
    auto client = h.connect();
    const std::string request = "GET /primary HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    for (std::size_t i = 0; i + 1 < request.size(); ++i) {
        h.send(client, request.substr(i, 1));
        REQUIRE(client.str().empty());
    }
    h.send(client, request.substr(request.size() - 1));
    const auto responses = parse_responses(h.take(client));
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].result_int() == 200);
}

TEST_CASE("a 9 KiB header gets 431 and the connection is closed", "[probe][http]") {
    Harness h;
    const std::string request =
        "GET /primary HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(std::size_t{9} * 1024, 'a') +
        "\r\n\r\n";
    const auto bytes = round_trip(h, request);
    CHECK(starts_with(bytes, "HTTP/1.1 431 "));
    const auto responses = parse_responses(bytes);
    REQUIRE(responses.size() == 1);
    CHECK_FALSE(responses[0].keep_alive());
    CHECK(h.server.open_connections() == 0);
    CHECK(h.roles.calls == 0);
    CHECK(h.metrics.requests("invalid", 431) == 1);
}

TEST_CASE("a body over body_limit gets 413", "[probe][http]") {
    Harness h;
    const std::string request =
        "POST /primary HTTP/1.1\r\nHost: x\r\nContent-Length: 9000\r\n\r\n" +
        std::string(9000, 'b');
    CHECK(starts_with(round_trip(h, request), "HTTP/1.1 413 "));
    CHECK(h.server.open_connections() == 0);
}

TEST_CASE("garbage gets 400, is closed, and does not disturb another connection", "[probe][http]") {
    Harness h;
    auto good = h.connect();
    auto bad = h.connect();
    h.send(bad, "\x01\x02 nonsense\r\n\r\n");
    const auto bytes = h.take(bad);
    CHECK(starts_with(bytes, "HTTP/1.1 400 Bad Request\r\n"));
    const auto responses = parse_responses(bytes);
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].body().find("malformed HTTP request") != std::string::npos);
    CHECK(h.server.open_connections() == 1);

    h.send(good, "GET /primary HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(starts_with(h.take(good), "HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("HEAD gets GET's headers and Content-Length but no body", "[probe][http]") {
    Harness h;
    const auto get = parse_responses(round_trip(h, "GET /primary HTTP/1.0\r\n\r\n"));
    const auto head_bytes = round_trip(h, "HEAD /primary HTTP/1.0\r\n\r\n");
    const auto head = parse_responses(head_bytes, true);
    REQUIRE(get.size() == 1);
    REQUIRE(head.size() == 1);
    CHECK(head[0].result_int() == 200);
    CHECK(head[0][http::field::content_length] == std::to_string(get[0].body().size()));
    CHECK(head_bytes.substr(head_bytes.size() - 4) == "\r\n\r\n");  // nothing after the headers
}

TEST_CASE("other methods get 405 with Allow and no check", "[probe][http]") {
    Harness h;
    const auto responses = parse_responses(
        round_trip(h, "DELETE /primary HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].result_int() == 405);
    CHECK(responses[0][http::field::allow] == "GET, HEAD, OPTIONS");
    CHECK(h.roles.calls == 0);
}

TEST_CASE("an unknown path gets 404 and a bad lag 400, without a check", "[probe][http]") {
    Harness h;
    CHECK(starts_with(round_trip(h, "GET /nope HTTP/1.0\r\n\r\n"), "HTTP/1.0 404 Not Found\r\n"));
    CHECK(starts_with(round_trip(h, "GET /replica?lag=xyz HTTP/1.0\r\n\r\n"),
                      "HTTP/1.0 400 Bad Request\r\n"));
    CHECK(h.roles.calls == 0);
}

TEST_CASE("GET /metrics renders the requests counted so far", "[probe][http]") {
    Harness h;
    round_trip(h, "OPTIONS / HTTP/1.0\r\n\r\n");
    const auto responses = parse_responses(round_trip(h, "GET /metrics HTTP/1.0\r\n\r\n"));
    REQUIRE(responses.size() == 1);
    const auto& r = responses[0];
    CHECK(r.result_int() == 200);
    CHECK(r[http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(r.body().find("pgwarden_probe_checks_total{endpoint=\"primary\",status=\"200\"} 1\n") !=
          std::string::npos);
    CHECK(r.body().find("pgwarden_probe_connections_open 1\n") != std::string::npos);
    CHECK(h.roles.calls == 1);  // /metrics runs no check
}

TEST_CASE("a session waiting for its check survives the client leaving", "[probe][http]") {
    Harness h;
    h.roles.deferred = true;
    {
        auto client = h.connect();
        h.send(client, "GET /primary HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(h.roles.pending.size() == 1);
    }  // the client end is destroyed while the check runs
    h.pump();
    CHECK(h.server.open_connections() == 1);  // the pending callback holds the session
    h.roles.answer_all();
    h.pump();
    CHECK(h.server.open_connections() == 0);
}

TEST_CASE("stop() closes idle connections and lets an answer in flight finish with close",
          "[probe][http]") {
    Harness h;
    h.roles.deferred = true;
    auto idle = h.connect();
    auto busy = h.connect();
    h.send(busy, "GET /primary HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(h.server.open_connections() == 2);

    h.server.stop();
    h.pump();
    CHECK(h.server.open_connections() == 1);  // the idle one is gone

    h.roles.answer_all();
    h.pump();
    const auto responses = parse_responses(h.take(busy));
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].result_int() == 200);
    CHECK_FALSE(responses[0].keep_alive());
    CHECK(h.server.open_connections() == 0);
    CHECK(h.take(idle).empty());

    auto late = h.connect();  // a stopped server takes nothing more
    h.pump();
    CHECK(h.server.open_connections() == 0);
}

TEST_CASE("over max_connections a new connection is closed unanswered, never with a 503",
          "[probe][http]") {
    probe::ServerLimits limits;
    limits.admission.max_connections = 1;
    Harness h(limits);
    auto first = h.connect();
    auto second = h.connect();  // full, and `first` is not idle: closed without a word
    h.pump();
    CHECK(h.server.open_connections() == 1);
    CHECK(closed_by_server(second));
    CHECK(h.take(second).empty());
    CHECK(h.roles.calls == 0);
    CHECK(h.metrics.render().find("pgwarden_probe_connections_rejected_total 1\n") !=
          std::string::npos);

    h.send(first, "GET /primary HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(starts_with(h.take(first), "HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("a full server reaps the longest-idle keep-alive connection for HAProxy's check",
          "[probe][http]") {
    probe::ServerLimits limits;
    limits.admission.max_connections = 2;
    Harness h(limits);
    auto older = h.connect();
    auto newer = h.connect();
    h.send(older, "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    h.send(newer, "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(starts_with(h.take(older), "HTTP/1.1 200 OK\r\n"));
    CHECK(starts_with(h.take(newer), "HTTP/1.1 200 OK\r\n"));

    auto check = h.connect(boost::asio::ip::make_address("127.0.0.2"));
    h.send(check, "OPTIONS GET HTTP/1.0\r\n\r\n");
    CHECK(starts_with(h.take(check), "HTTP/1.0 200 OK\r\n"));
    CHECK(closed_by_server(older));  // reaped
    h.send(newer, "GET /primary HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(starts_with(h.take(newer), "HTTP/1.1 200 OK\r\n"));  // kept
    CHECK(h.metrics.render().find("pgwarden_probe_connections_reaped_total 1\n") !=
          std::string::npos);
}

TEST_CASE("one source past its cap is closed unanswered while another is served", "[probe][http]") {
    probe::ServerLimits limits;
    limits.admission.max_connections_per_source = 2;
    Harness h(limits);
    const auto flood = boost::asio::ip::make_address("127.0.0.3");
    std::vector<beast::test::stream> held;
    for (int i = 0; i < 5; ++i)
        held.push_back(h.connect(flood));
    h.pump();
    CHECK(h.server.open_connections() == 2);
    auto check = h.connect(boost::asio::ip::make_address("127.0.0.2"));
    h.send(check, "OPTIONS / HTTP/1.0\r\n\r\n");
    CHECK(starts_with(h.take(check), "HTTP/1.0 200 OK\r\n"));
}

TEST_CASE("a source outside --allow is closed unanswered", "[probe][http]") {
    probe::ServerLimits limits;
    limits.admission.allow = probe::parse_allow_list("127.0.0.2/32").blocks;
    Harness h(limits);
    auto stranger = h.connect(boost::asio::ip::make_address("127.0.0.3"));
    h.pump();
    CHECK(closed_by_server(stranger));
    CHECK(h.server.open_connections() == 0);
    CHECK(h.roles.calls == 0);
    auto check = h.connect(boost::asio::ip::make_address("127.0.0.2"));
    h.send(check, "OPTIONS / HTTP/1.0\r\n\r\n");
    CHECK(starts_with(h.take(check), "HTTP/1.0 200 OK\r\n"));
}

TEST_CASE("keep-alive ends with Connection: close at max_requests", "[probe][http]") {
    probe::ServerLimits limits;
    limits.keep_alive.max_requests = 2;
    Harness h(limits);
    auto client = h.connect();
    h.send(client,
           "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\nGET /liveness HTTP/1.1\r\nHost: "
           "x\r\n\r\nGET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto responses = parse_responses(h.take(client));
    REQUIRE(responses.size() == 2);  // the third request is never answered
    CHECK(responses[0].keep_alive());
    CHECK_FALSE(responses[1].keep_alive());
    h.pump();
    CHECK(h.server.open_connections() == 0);
}

TEST_CASE("keep-alive ends with Connection: close once max_age has passed", "[probe][http]") {
    probe::ServerLimits limits;
    limits.keep_alive.max_age = std::chrono::milliseconds(20);
    Harness h(limits);
    auto client = h.connect();
    h.send(client, "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto first = parse_responses(h.take(client));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    h.send(client, "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    // Within max_age the first answer kept the connection; after it the connection is closed,
    // at the idle wait's end at the latest.
    REQUIRE(first.size() == 1);
    CHECK(first[0].keep_alive());
    h.io.restart();
    h.io.run_for(std::chrono::milliseconds(300));
    CHECK(h.server.open_connections() == 0);
    for (const auto& late : parse_responses(h.take(client)))
        CHECK_FALSE(late.keep_alive());
}

TEST_CASE("a client slower than read_timeout is cut off without an answer", "[probe][http]") {
    probe::ServerLimits limits;
    limits.read_timeout = std::chrono::milliseconds(30);
    Harness h(limits);
    auto client = h.connect();
    h.send(client, "GET /primary HTTP/1.1\r\nHo");
    h.io.restart();
    h.io.run_for(std::chrono::milliseconds(300));
    CHECK(h.server.open_connections() == 0);
    CHECK(h.take(client).empty());
    CHECK(h.roles.calls == 0);
}

TEST_CASE("an idle keep-alive connection is closed after read_timeout", "[probe][http]") {
    probe::ServerLimits limits;
    limits.read_timeout = std::chrono::milliseconds(30);
    Harness h(limits);
    auto client = h.connect();
    h.send(client, "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(starts_with(h.take(client), "HTTP/1.1 200 OK\r\n"));
    CHECK(h.server.open_connections() == 1);
    h.io.restart();
    h.io.run_for(std::chrono::milliseconds(300));
    CHECK(h.server.open_connections() == 0);
}
