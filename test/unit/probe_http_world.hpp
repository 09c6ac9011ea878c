// The probe's HTTP tests' world (probe_http_*_test.cpp): the server's sessions fed over
// boost::beast::test::stream with a fake RoleSource, and readers of what it answered.
#pragma once

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

namespace pgwarden::probe_http_world {

inline NodeState primary_state() {
    NodeState s;
    s.reachable = true;
    s.timeline = 1;
    return s;
}

inline NodeState standby_state() {
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
inline std::vector<Response> parse_responses(std::string_view bytes, bool head = false) {
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

    // Runs handlers, timers included, until `done` holds or `limit` passes (a loaded machine may
    // run a timer late, never early); whether `done` held.
    template <typename Done>
    bool run_until(Done done, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            io.restart();
            io.run_for(std::chrono::milliseconds(10));
        }
        return done();
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
inline std::string round_trip(Harness& h, std::string_view request) {
    auto client = h.connect();
    h.send(client, request);
    return h.take(client);
}

// The server closed its end: a read finds the end of the stream.
inline bool closed_by_server(beast::test::stream& client) {
    beast::error_code ec;
    char byte = 0;
    client.read_some(net::buffer(&byte, 1), ec);
    return ec == net::error::eof;
}

inline bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

}  // namespace pgwarden::probe_http_world
