// pgwarden-probe serving HTTPS (--certfile ...), with client certificates as Patroni's REST API
// takes them: curl, openssl s_client and Debian's HAProxy (`check-ssl verify required`) against
// real PostgreSQL 15 nodes, and the certificate reloaded on SIGHUP.
#include "haproxy.hpp"
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"
#include "run_command.hpp"
#include "test_pki.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

// curl's status for https://127.0.0.1:PORT/PATH, trusting `ca` (empty: any certificate), with
// `client`'s certificate if given; 0 when no HTTP answer came (refused handshake, closed
// connection).
int curl_status(int port, const std::string& path, const std::string& ca,
                const std::optional<IssuedCert>& client) {
    std::vector<std::string> argv = {"curl", "-sS",          "-o",         "/dev/null",
                                     "-w",   "%{http_code}", "--max-time", "5"};
    if (ca.empty())
        argv.push_back("--insecure");
    else
        argv.insert(argv.end(), {"--cacert", ca});
    if (client)
        argv.insert(argv.end(), {"--cert", client->cert, "--key", client->key});
    argv.push_back(fmt::format("https://127.0.0.1:{}{}", port, path));
    const auto result = run_command(argv, 10s);
    UNSCOPED_INFO("curl " << path << ": " << result.describe() << " " << result.out);
    try {
        return std::stoi(result.out);
    } catch (const std::exception&) {
        return 0;
    }
}

std::vector<std::string> tls_args(const IssuedCert& server, const std::string& ca,
                                  const std::string& verify_client) {
    return {"--certfile", server.cert, "--keyfile",       server.key,
            "--cafile",   ca,          "--verify-client", verify_client};
}

// A TLS probe is ready when curl with this CA and client certificate gets /liveness.
std::function<bool(int)> ready_over_tls(const std::string& ca, const IssuedCert& client) {
    return [ca, client](int port) { return curl_status(port, "/liveness", ca, client) == 200; };
}

// The certificate the probe on `port` presents: "subject=CN = ..." and "serial=..." lines.
std::string served_certificate(int port, const std::string& dir, const std::string& ca,
                               const IssuedCert& client) {
    const auto session = run_command(
        {"openssl", "s_client", "-connect", fmt::format("127.0.0.1:{}", port), "-CAfile", ca,
         "-cert", client.cert, "-key", client.key, "-verify_return_error"},
        10s);
    const auto pem = dir + "/served.pem";
    std::ofstream(pem, std::ios::trunc) << session.out;
    const auto x509 =
        run_command({"openssl", "x509", "-in", pem, "-noout", "-subject", "-serial"}, 10s);
    return x509.ok() ? x509.out : "no certificate: " + session.describe();
}

void copy_over(const std::string& from, const std::string& to) {
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

// A cluster with what its probes' TLS needs: our CA, the probes' certificate and a client's it
// signed, and a stranger's client certificate from another CA.
struct TlsCluster {
    explicit TlsCluster(int nodes)
        : cluster(nodes),
          pki(cluster.dir(), "ours"),
          other(cluster.dir(), "other"),
          server(pki.issue_server("server", "probe-cert-1", 0x1001)),
          client(pki.issue_client("client", "haproxy", 0x2001)),
          stranger(other.issue_client("stranger", "haproxy", 0x3001)) {}

    // pgwarden-probe on `node` serving `served` (default: server), ready once curl with our
    // client certificate gets /liveness.
    ProbeProcess probe(int node, const std::string& verify_client,
                       std::vector<std::string> extra = {},
                       const std::optional<IssuedCert>& served = std::nullopt) const {
        auto args = tls_args(served.value_or(server), pki.ca_cert(), verify_client);
        args.insert(args.end(), extra.begin(), extra.end());
        return ProbeProcess(cluster.node(node).conninfo(), probe_log(cluster, node), args,
                            ready_over_tls(pki.ca_cert(), client));
    }

    // curl's status from `probe`, trusting our CA, as `as` (nobody: no client certificate).
    int curl(const ProbeProcess& probe, const std::string& path,
             const std::optional<IssuedCert>& as) const {
        return curl_status(probe.port(), path, pki.ca_cert(), as);
    }

    PgCluster cluster;
    TestPki pki;
    TestPki other;
    IssuedCert server;
    IssuedCert client;
    IssuedCert stranger;
};

}  // namespace

TEST_CASE(
    "over TLS curl with a client certificate gets 200 from the primary and 503 from a "
    "standby, and no answer without a certificate our CA signed",
    "[probe][tls]") {
    TlsCluster tls(2);
    auto primary = tls.probe(1, "required");
    auto standby = tls.probe(2, "required");

    CHECK(tls.curl(primary, "/primary", tls.client) == 200);
    CHECK(tls.curl(standby, "/primary", tls.client) == 503);
    CHECK(tls.curl(standby, "/replica", tls.client) == 200);
    // verify-client required: no HTTP answer at all, not even an error status.
    CHECK(tls.curl(primary, "/primary", std::nullopt) == 0);
    CHECK(tls.curl(primary, "/primary", tls.stranger) == 0);
    // Plain HTTP to the TLS listener is no handshake: closed unanswered.
    const auto plain = primary.get("/primary", 5s);
    CHECK(plain.status == 0);
    CHECK_FALSE(plain.timed_out);
    // The server still serves those who have a certificate.
    CHECK(tls.curl(primary, "/primary", tls.client) == 200);
    CHECK_THAT(primary.process().log_contents(), Catch::Contains("TLS handshake failed"));
}

TEST_CASE(
    "over TLS with verify-client optional a client without a certificate is answered, one "
    "with a certificate another CA signed is not",
    "[probe][tls]") {
    TlsCluster tls(1);
    auto probe = tls.probe(1, "optional");

    CHECK(tls.curl(probe, "/primary", tls.client) == 200);
    CHECK(tls.curl(probe, "/primary", std::nullopt) == 200);
    CHECK(tls.curl(probe, "/primary", tls.stranger) == 0);
    // And a client that does not trust the probe's CA refuses it, whatever the probe says.
    CHECK(curl_status(probe.port(), "/primary", tls.other.ca_cert(), tls.client) == 0);
}

TEST_CASE(
    "HAProxy checking over TLS with a client certificate marks the primary UP and the "
    "standby DOWN, and without a certificate marks both DOWN",
    "[probe][tls][haproxy]") {
    TlsCluster tls(2);
    const auto& cluster = tls.cluster;
    auto probe1 = tls.probe(1, "required");
    auto probe2 = tls.probe(2, "required");
    const std::vector<std::pair<int, int>> servers = {{cluster.node(1).port, probe1.port()},
                                                      {cluster.node(2).port, probe2.port()}};
    const auto verify = fmt::format("check-ssl verify required ca-file {}", tls.pki.ca_cert());

    HaproxyProcess with_cert(cluster.dir(), servers,
                             fmt::format("{} crt {}", verify, tls.client.pem), "haproxy-cert");
    HaproxyProcess without_cert(cluster.dir(), servers, verify, "haproxy-nocert");

    // node2 (the standby) goes DOWN on its 503; node1 stays UP and takes the sessions.
    CHECK(wait_until(
        [&] { return with_cert.log_contents().find("node2 is DOWN") != std::string::npos; }, 15s));
    const std::string on_node1 = fmt::format("{}:false", cluster.node(1).port);
    std::string landed;
    CHECK(wait_until([&] { return (landed = server_port_through(with_cert.port())) == on_node1; },
                     15s));
    for (int i = 0; i < 4; ++i)
        CHECK(server_port_through(with_cert.port()) == on_node1);
    const auto log = with_cert.log_contents();
    INFO("HAProxy with a client certificate:\n" << log);
    CHECK_THAT(log, Catch::Contains("node2 is DOWN, reason: Layer7 wrong status, code: 503"));
    CHECK_THAT(log, !Catch::Contains("node1 is DOWN"));

    // Without a client certificate no check gets an answer: both DOWN, nothing to connect to.
    CHECK(wait_until(
        [&] {
            const auto text = without_cert.log_contents();
            return text.find("node1 is DOWN") != std::string::npos &&
                   text.find("node2 is DOWN") != std::string::npos;
        },
        15s));
    INFO("HAProxy without a client certificate:\n" << without_cert.log_contents());
    CHECK(server_port_through(without_cert.port()).empty());
}

TEST_CASE(
    "SIGHUP makes new TLS connections see the new certificate, and a broken one keeps the "
    "old",
    "[probe][tls]") {
    TlsCluster tls(1);
    const auto& dir = tls.cluster.dir();
    const auto second = tls.pki.issue_server("second", "probe-cert-2", 0x2002);
    // The probe reads these paths; the test replaces what is in them.
    const IssuedCert live{dir + "/live.crt", dir + "/live.key", ""};
    copy_over(tls.server.cert, live.cert);
    copy_over(tls.server.key, live.key);
    auto probe = tls.probe(1, "required", {}, live);
    const auto served = [&] {
        return served_certificate(probe.port(), dir, tls.pki.ca_cert(), tls.client);
    };
    CHECK_THAT(served(), Catch::Contains("CN = probe-cert-1") && Catch::Contains("1001"));

    copy_over(second.cert, live.cert);
    copy_over(second.key, live.key);
    ::kill(probe.process().pid(), SIGHUP);
    std::string now_served;
    CHECK(wait_until(
        [&] { return (now_served = served()).find("CN = probe-cert-2") != std::string::npos; },
        10s));
    CHECK_THAT(now_served, Catch::Contains("2002"));
    CHECK_THAT(probe.process().log_contents(), Catch::Contains("reloaded on SIGHUP"));
    CHECK(tls.curl(probe, "/primary", tls.client) == 200);

    std::ofstream(live.cert, std::ios::trunc) << "not a certificate\n";
    ::kill(probe.process().pid(), SIGHUP);
    CHECK(wait_until(
        [&] {
            return probe.process().log_contents().find("[ERROR] TLS files not reloaded") !=
                   std::string::npos;
        },
        10s));
    const auto log = probe.process().log_contents();
    CHECK_THAT(log, Catch::Contains(fmt::format("--certfile \"{}\"", live.cert)));
    CHECK(probe.process().running());
    CHECK_THAT(served(), Catch::Contains("CN = probe-cert-2") && Catch::Contains("2002"));
    CHECK(tls.curl(probe, "/primary", tls.client) == 200);
}

TEST_CASE("a client that never finishes its TLS handshake is cut off at read-timeout",
          "[probe][tls]") {
    TlsCluster tls(1);
    auto probe = tls.probe(1, "required", {"--read-timeout", "1000"});

    // Nothing at all (the handshake never starts), then half a ClientHello and silence.
    for (const auto& sent :
         {std::string(), std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9)}) {
        INFO(sent.size() << " bytes sent");
        const auto started = std::chrono::steady_clock::now();
        const auto result = probe.request(sent, 8s);
        const auto held = std::chrono::steady_clock::now() - started;
        CHECK(result.connection_closed);
        CHECK_FALSE(result.timed_out);
        CHECK(result.status == 0);
        CHECK(held >= 900ms);
        CHECK(held < 3s);
    }
    CHECK(tls.curl(probe, "/primary", tls.client) == 200);
}

TEST_CASE("the probe refuses to start on a TLS file it cannot read, naming it", "[probe][tls]") {
    TlsCluster tls(1);
    const auto missing = tls.cluster.dir() + "/missing.key";
    const auto result = run_command(
        {probe_bin(), "--listen", "127.0.0.1", "--port", std::to_string(free_tcp_port()), "--ini",
         "/dev/null", "--conninfo", tls.cluster.node(1).conninfo(), "--certfile", tls.server.cert,
         "--keyfile", missing},
        10s);
    INFO(result.describe());
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains(fmt::format("--keyfile \"{}\"", missing)) &&
                               Catch::Contains("No such file"));
}

TEST_CASE(
    "a failed TLS handshake is warned about once, naming the client and OpenSSL's reason, "
    "until a handshake from that client succeeds",
    "[probe][tls]") {
    TlsCluster tls(1);
    auto probe = tls.probe(1, "required");
    const std::string failed = "HTTPS connection from 127.0.0.1 closed: TLS handshake failed: ";
    const std::string warned = "[WARNING] " + failed;
    const auto count = [&](const std::string& needle) {
        return occurrences(probe.process().log_contents(), needle);
    };

    // No certificate, then a plain HTTP check (HAProxy without check-ssl), then a stranger's.
    CHECK(tls.curl(probe, "/primary", std::nullopt) == 0);
    CHECK(probe.get("/primary", 5s).status == 0);
    CHECK(tls.curl(probe, "/primary", tls.stranger) == 0);
    CHECK(tls.curl(probe, "/primary", std::nullopt) == 0);
    CHECK(wait_until([&] { return count(failed) == 4; }, 10s));
    INFO(probe.process().log_contents());
    CHECK(count(warned) == 1);
    CHECK(count(warned + "peer did not return a certificate") == 1);
    CHECK(count("check-ssl") == 1);

    // A handshake that succeeds ends the episode: the next failure warns again.
    CHECK(tls.curl(probe, "/primary", tls.client) == 200);
    CHECK(tls.curl(probe, "/primary", tls.stranger) == 0);
    CHECK(wait_until([&] { return count(warned) == 2; }, 10s));
    CHECK(count(warned + "certificate verify failed") == 1);
}

TEST_CASE(
    "an expired certificate is served with a warning naming the file and its notAfter, at "
    "start and on SIGHUP",
    "[probe][tls]") {
    TlsCluster tls(1);
    const auto& dir = tls.cluster.dir();
    const auto expired = tls.pki.issue_server_dated("expired", "probe-expired", 0x4001,
                                                    {"20200101000000Z", "20210102030405Z"});
    const IssuedCert live{dir + "/live.crt", dir + "/live.key", ""};
    copy_over(expired.cert, live.cert);
    copy_over(expired.key, live.key);
    // Clients that verify it refuse it: ready once curl, trusting anything, is answered.
    ProbeProcess probe(tls.cluster.node(1).conninfo(), probe_log(tls.cluster, 1),
                       tls_args(live, tls.pki.ca_cert(), "none"),
                       [](int port) { return curl_status(port, "/liveness", "", {}) == 200; });
    const auto warning = fmt::format(
        "[WARNING] the certificate in certfile \"{}\" expired on 2021-01-02 03:04:05 UTC "
        "(notAfter)",
        live.cert);
    const auto count = [&](const std::string& needle) {
        return occurrences(probe.process().log_contents(), needle);
    };
    CHECK(count(warning) == 1);
    CHECK(curl_status(probe.port(), "/primary", "", {}) == 200);
    CHECK(tls.curl(probe, "/primary", std::nullopt) == 0);  // curl verifies, and refuses it

    ::kill(probe.process().pid(), SIGHUP);
    CHECK(wait_until([&] { return count("reloaded on SIGHUP") == 1; }, 10s));
    CHECK(count(warning) == 2);

    // Renewed: served without a word.
    copy_over(tls.server.cert, live.cert);
    copy_over(tls.server.key, live.key);
    ::kill(probe.process().pid(), SIGHUP);
    CHECK(wait_until([&] { return count("reloaded on SIGHUP") == 2; }, 10s));
    INFO(probe.process().log_contents());
    CHECK(count(warning) == 2);
    CHECK(count("[WARNING] the certificate in certfile") == 2);
    CHECK(tls.curl(probe, "/primary", std::nullopt) == 200);
}
