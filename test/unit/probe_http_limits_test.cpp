// The HTTP server's limits, fed over boost::beast::test::stream: no client past a limit ever gets
// a role answer (it is closed unanswered), keep-alive caps, and the read timeout.
#include "probe_http_world.hpp"
#include "temp_dir.hpp"

#include "log/log.hpp"

using namespace pgwarden::probe_http_world;

namespace {

// Sends the log to a file for one test, and back to stderr after it.
struct LogToFile {
    explicit LogToFile(const std::string& path) { REQUIRE_FALSE(pgwarden::log::open_file(path)); }
    ~LogToFile() { pgwarden::log::open_file(""); }
};

std::size_t count_of(const std::string& text, std::string_view needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

}  // namespace

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

TEST_CASE("a flood from one source among HAProxy's admitted checks warns once", "[probe][http]") {
    pgwarden::test::TempDir dir("probe-refusals");
    const auto log_path = dir.path("probe.log");
    probe::ServerLimits limits;
    limits.admission.max_connections_per_source = 2;
    {
        const LogToFile to_file(log_path);
        Harness h(limits);
        const auto flood = boost::asio::ip::make_address("127.0.0.3");
        std::vector<beast::test::stream> held;
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 3; ++i)
                held.push_back(h.connect(flood));  // past the cap from the first round on
            auto check = h.connect(boost::asio::ip::make_address("127.0.0.2"));
            h.send(check, "OPTIONS / HTTP/1.0\r\n\r\n");
            CHECK(starts_with(h.take(check), "HTTP/1.0 200 OK\r\n"));
        }
    }
    const auto logged = pgwarden::test::read_file(log_path);
    INFO(logged);
    CHECK(count_of(logged, "connections open from 127.0.0.3") == 1);
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
    // Long enough that a loaded machine answers the first request within it.
    limits.keep_alive.max_age = std::chrono::milliseconds(500);
    Harness h(limits);
    auto client = h.connect();
    h.send(client, "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto first = parse_responses(h.take(client));
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    h.send(client, "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    // Within max_age the first answer kept the connection; after it the connection is closed,
    // at the idle wait's end at the latest.
    REQUIRE(first.size() == 1);
    CHECK(first[0].keep_alive());
    CHECK(h.run_until([&] { return h.server.open_connections() == 0; }));
    for (const auto& late : parse_responses(h.take(client)))
        CHECK_FALSE(late.keep_alive());
}

TEST_CASE("a client slower than read_timeout is cut off without an answer", "[probe][http]") {
    probe::ServerLimits limits;
    limits.read_timeout = std::chrono::milliseconds(30);
    Harness h(limits);
    auto client = h.connect();
    h.send(client, "GET /primary HTTP/1.1\r\nHo");
    CHECK(h.run_until([&] { return h.server.open_connections() == 0; }));
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
    CHECK(h.run_until([&] { return h.server.open_connections() == 0; }));
}
