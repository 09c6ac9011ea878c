// The HTTP server's sessions fed byte by byte over boost::beast::test::stream: what HAProxy really
// sends, keep-alive, pipelining, malformed input and shutdown, with a fake RoleSource.
#include "probe_http_world.hpp"

using namespace pgwarden::probe_http_world;

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
