// The probe's sessions over TLS (http_server.hpp with a beast::ssl_stream) fed over
// boost::beast::test::stream: the handshake, what verify-client required does to a client
// without a certificate, and the handshake's share of read_timeout.
#include "probe_http_world.hpp"
#include "temp_dir.hpp"
#include "tls_context.hpp"
#include "tls_test_pems.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <fmt/format.h>

#include <fstream>
#include <memory>

using namespace pgwarden::probe_http_world;
namespace pem = pgwarden::test::pem;
namespace ssl = boost::asio::ssl;

namespace {

// Asio's ssl::stream (Boost 1.74) wants its next layer to name a lowest layer, which
// beast::test::stream does not.
class LayeredTestStream : public beast::test::stream {
  public:
    using lowest_layer_type = LayeredTestStream;
    explicit LayeredTestStream(beast::test::stream&& stream)
        : beast::test::stream(std::move(stream)) {}
    lowest_layer_type& lowest_layer() { return *this; }
    const lowest_layer_type& lowest_layer() const { return *this; }
};

using TlsTestStream = beast::ssl_stream<LayeredTestStream>;

// A Harness whose sessions shake hands with the test certificate (its own CA) and ask clients
// for one, as verify-client required.
struct TlsHarness : Harness {
    explicit TlsHarness(probe::ServerLimits limits_in = {}) : Harness(limits_in) {
        probe::TlsSettings tls;
        tls.certfile = dir.write("probe.crt", pem::kCert);
        tls.keyfile = dir.write("probe.key", pem::kKey);
        tls.cafile = tls.certfile;
        tls.verify_client = probe::VerifyClient::required;
        context = probe::make_tls_context(tls);
        for (auto* client : {&client_context, &client_with_certificate}) {
            client->set_verify_mode(ssl::verify_peer);
            client->add_certificate_authority(net::buffer(std::string_view(pem::kCert)));
        }
        client_with_certificate.use_certificate(net::buffer(std::string_view(pem::kCert)),
                                                ssl::context::pem);
        client_with_certificate.use_private_key(net::buffer(std::string_view(pem::kKey)),
                                                ssl::context::pem);
    }

    // A TCP-level connection to a new TLS session; the client's TLS is the test's to start.
    std::unique_ptr<TlsTestStream> connect_tls(bool with_certificate) {
        beast::test::stream server_end(io);
        beast::test::stream client_end(io);
        server_end.connect(client_end);
        server.accept_on(TlsTestStream(LayeredTestStream(std::move(server_end)), *context));
        return std::make_unique<TlsTestStream>(
            LayeredTestStream(std::move(client_end)),
            with_certificate ? client_with_certificate : client_context);
    }

    beast::error_code handshake(TlsTestStream& client) {
        beast::error_code result = net::error::would_block;
        client.async_handshake(ssl::stream_base::client,
                               [&](const beast::error_code& ec) { result = ec; });
        pump();
        return result;
    }

    // GET path, and the response or the error that came instead.
    std::pair<beast::error_code, Response> get(TlsTestStream& client, const std::string& path) {
        http::request<http::empty_body> request{http::verb::get, path, 11};
        http::async_write(client, request, [](const beast::error_code&, std::size_t) {});
        Response response;
        beast::flat_buffer buffer;
        beast::error_code result = net::error::would_block;
        http::async_read(client, buffer, response,
                         [&](const beast::error_code& ec, std::size_t) { result = ec; });
        pump();
        return {result, std::move(response)};
    }

    pgwarden::test::TempDir dir;
    std::shared_ptr<probe::TlsContext> context;
    ssl::context client_context{ssl::context::tls_client};  // without a certificate
    ssl::context client_with_certificate{ssl::context::tls_client};
};

}  // namespace

TEST_CASE("over TLS a client with a certificate our CA signed is answered", "[probe][http][tls]") {
    TlsHarness h;
    auto client = h.connect_tls(true);
    REQUIRE_FALSE(h.handshake(*client));
    const auto [ec, response] = h.get(*client, "/primary");
    REQUIRE_FALSE(ec);
    CHECK(response.result_int() == 200);
    CHECK(h.server.open_connections() == 1);  // kept alive
}

TEST_CASE(
    "over TLS with verify-client required a client without a certificate gets no HTTP "
    "answer and its connection is closed",
    "[probe][http][tls]") {
    TlsHarness h;
    auto client = h.connect_tls(false);
    // TLS 1.3: the client's side of the handshake completes before the server has judged it.
    h.handshake(*client);
    const auto [ec, response] = h.get(*client, "/primary");
    CHECK(ec);  // and nothing read: the response stays as constructed
    CHECK(response.body().empty());
    CHECK(response[http::field::server].empty());
    CHECK(h.server.open_connections() == 0);
    const auto metrics = h.metrics.render();
    CHECK(metrics.find("pgwarden_probe_checks_total{") == std::string::npos);
    CHECK(metrics.find("pgwarden_probe_tls_handshakes_failed_total 1\n") != std::string::npos);
}

TEST_CASE("a TLS client that never sends its handshake is closed at read_timeout",
          "[probe][http][tls]") {
    probe::ServerLimits limits;
    limits.read_timeout = std::chrono::milliseconds(30);
    TlsHarness h(limits);
    auto client = h.connect_tls(true);
    h.pump();
    CHECK(h.server.open_connections() == 1);
    CHECK(h.run_until([&] { return h.server.open_connections() == 0; }));
    CHECK(closed_by_server(client->next_layer()));
}

TEST_CASE("the TLS handshake and the first request share one read_timeout", "[probe][http][tls]") {
    probe::ServerLimits limits;
    limits.read_timeout = std::chrono::milliseconds(200);
    TlsHarness h(limits);
    auto client = h.connect_tls(true);
    // A slow handshake: its first byte after 120 ms, then no request.
    h.io.run_for(std::chrono::milliseconds(120));
    REQUIRE_FALSE(h.handshake(*client));
    CHECK(h.server.open_connections() == 1);
    // Past 200 ms since the connection came: closed, though only ~120 ms since the handshake.
    h.io.run_for(std::chrono::milliseconds(120));
    CHECK(h.server.open_connections() == 0);
}

TEST_CASE(
    "a failed TLS handshake warns once per episode, naming the client and OpenSSL's reason, "
    "and again after a handshake succeeds",
    "[probe][http][tls]") {
    namespace log = pgwarden::log;
    TlsHarness h;
    const auto log_path = h.dir.path("probe.log");
    const auto level = log::level();
    log::set_style(log::Style::daemon);
    log::set_level(log::Level::info);  // the probe's default: DEBUG lines are not seen
    REQUIRE_FALSE(log::open_file(log_path));
    const auto fail_one = [&] {
        auto client = h.connect_tls(false);
        h.handshake(*client);
        h.get(*client, "/primary");
    };
    fail_one();
    fail_one();
    fail_one();
    {
        auto client = h.connect_tls(true);
        CHECK_FALSE(h.handshake(*client));
        h.pump();
    }
    fail_one();
    log::open_file("");
    log::set_level(level);

    std::ifstream in(log_path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    INFO(fmt::format("{}", fmt::join(lines, "\n")));
    REQUIRE(lines.size() == 2);
    for (const auto& line : lines) {
        CHECK_THAT(line, Catch::Contains("[WARNING] HTTPS connection from 127.0.0.1 closed: TLS "
                                         "handshake failed: peer did not return a certificate"));
        CHECK_THAT(line, Catch::Contains("check-ssl"));
    }
    CHECK_THAT(h.metrics.render(),
               Catch::Contains("pgwarden_probe_tls_handshakes_failed_total 4\n"));
}
