// The probe's TLS settings: what goes together (tls_settings.hpp), how the options and
// pgwarden.ini name them (options.cpp), and the errors that name the file (tls_context.hpp).
#include "command_lines.hpp"
#include "options.hpp"
#include "temp_dir.hpp"
#include "tls_context.hpp"
#include "tls_settings.hpp"
#include "tls_test_pems.hpp"

#include <catch2/catch.hpp>

#include <openssl/ssl.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

using namespace pgwarden::probe;
namespace pem = pgwarden::test::pem;

namespace {

using pgwarden::test::probe_args;

TlsOptions with_cert() {
    TlsOptions options;
    options.certfile = "/etc/pgwarden/probe.crt";
    return options;
}

// The test certificate in probe.crt and `key` in probe.key, in `dir`.
TlsSettings cert_and_key(const pgwarden::test::TempDir& dir, const char* key) {
    TlsSettings tls;
    tls.certfile = dir.write("probe.crt", pem::kCert);
    tls.keyfile = dir.write("probe.key", key);
    return tls;
}

}  // namespace

TEST_CASE("without certfile the probe serves plain HTTP, as before TLS", "[probe][tls]") {
    const auto parsed = probe_args({});
    REQUIRE(parsed.settings);
    CHECK_FALSE(parsed.settings->tls.enabled());
    CHECK(parsed.settings->tls.verify_client == VerifyClient::none);
    // An empty value in pgwarden.ini switches nothing on.
    TlsOptions empty;
    empty.certfile = "";
    empty.cafile = "";
    CHECK_FALSE(resolve_tls_settings(empty).settings.enabled());
}

TEST_CASE("verify-client takes Patroni's none, optional and required, nothing else",
          "[probe][tls]") {
    CHECK(parse_verify_client("none") == VerifyClient::none);
    CHECK(parse_verify_client("optional") == VerifyClient::optional);
    CHECK(parse_verify_client("required") == VerifyClient::required);
    for (const char* bad : {"", "yes", "Required", "CERT_REQUIRED", "on"}) {
        INFO(bad);
        CHECK_FALSE(parse_verify_client(bad));
    }
    for (const auto mode : {VerifyClient::none, VerifyClient::optional, VerifyClient::required})
        CHECK(parse_verify_client(verify_client_name(mode)) == mode);

    auto options = with_cert();
    options.cafile = "/ca.crt";
    options.verify_client = "always";
    CHECK_THROWS_WITH(resolve_tls_settings(options),
                      Catch::Contains("invalid --verify-client \"always\"") &&
                          Catch::Contains("none, optional or required"));
}

TEST_CASE("every TLS setting without certfile is refused, naming the setting", "[probe][tls]") {
    const std::vector<std::pair<const char*, void (*)(TlsOptions&)>> cases = {
        {"--keyfile", [](TlsOptions& o) { o.keyfile = "/k.pem"; }},
        {"--keyfile-password", [](TlsOptions& o) { o.keyfile_password = "s"; }},
        {"--keyfile-password-file", [](TlsOptions& o) { o.keyfile_password_file = "/p"; }},
        {"--cafile", [](TlsOptions& o) { o.cafile = "/ca.crt"; }},
        {"--ciphers", [](TlsOptions& o) { o.ciphers = "HIGH"; }},
        {"--verify-client", [](TlsOptions& o) { o.verify_client = "required"; }},
    };
    for (const auto& [name, set] : cases) {
        INFO(name);
        TlsOptions options;
        set(options);
        CHECK_THROWS_WITH(resolve_tls_settings(options),
                          Catch::Contains(std::string(name) + " is set but --certfile is not"));
    }
    // verify-client none asks nothing of anyone: harmless without certfile.
    TlsOptions none;
    none.verify_client = "none";
    CHECK_NOTHROW(resolve_tls_settings(none));
}

TEST_CASE("verify-client optional or required needs cafile, and cafile without them is a warning",
          "[probe][tls]") {
    for (const char* mode : {"optional", "required"}) {
        INFO(mode);
        auto options = with_cert();
        options.verify_client = mode;
        CHECK_THROWS_WITH(
            resolve_tls_settings(options),
            Catch::Contains(std::string("--verify-client ") + mode + " needs --cafile"));
        options.cafile = "/etc/pgwarden/ca.crt";
        const auto resolved = resolve_tls_settings(options);
        CHECK(resolved.settings.verify_client == parse_verify_client(mode));
        CHECK(resolved.warnings.empty());
    }
    auto unused_ca = with_cert();
    unused_ca.cafile = "/etc/pgwarden/ca.crt";
    const auto resolved = resolve_tls_settings(unused_ca);
    REQUIRE(resolved.warnings.size() == 1);
    CHECK_THAT(resolved.warnings[0], Catch::Contains("/etc/pgwarden/ca.crt") &&
                                         Catch::Contains("not used with verify-client none"));
}

TEST_CASE("the key's passphrase is given inline or as a file, not both", "[probe][tls]") {
    auto options = with_cert();
    options.keyfile_password = "secret";
    options.keyfile_password_file = "/etc/pgwarden/key.pass";
    CHECK_THROWS_WITH(resolve_tls_settings(options),
                      Catch::Contains("--keyfile-password or --keyfile-password-file, not both"));
}

TEST_CASE("pgwarden.ini's [probe] takes the TLS settings under Patroni's restapi names",
          "[probe][tls][options]") {
    pgwarden::test::TempDir dir;
    const auto ini = dir.write("pgwarden.ini",
                               "[probe]\n"
                               "certfile = /etc/pgwarden/probe.crt\n"
                               "keyfile = /etc/pgwarden/probe.key\n"
                               "keyfile_password = from-the-ini\n"
                               "cafile = /etc/pgwarden/ca.crt\n"
                               "verify_client = required\n"
                               "ciphers = ECDHE+AESGCM\n");
    std::vector<const char*> args = {"pgwarden-probe", "--ini", ini.c_str(), "--conninfo",
                                     "host=x"};
    const auto parsed = parse_command_line(static_cast<int>(args.size()), args.data());
    REQUIRE(parsed.settings);
    const auto& tls = parsed.settings->tls;
    CHECK(tls.enabled());
    CHECK(tls.certfile == "/etc/pgwarden/probe.crt");
    CHECK(tls.keyfile == "/etc/pgwarden/probe.key");
    CHECK(tls.keyfile_password == "from-the-ini");
    CHECK(tls.cafile == "/etc/pgwarden/ca.crt");
    CHECK(tls.verify_client == VerifyClient::required);
    CHECK(tls.ciphers == "ECDHE+AESGCM");
    // In the INI the passphrase is out of ps: no warning about it.
    for (const auto& warning : parsed.settings->warnings)
        CHECK_THAT(warning, !Catch::Contains("keyfile-password"));

    // The command line wins, and a passphrase there is warned about.
    args.insert(args.end(), {"--verify-client", "optional", "--keyfile-password", "typed"});
    const auto over = parse_command_line(static_cast<int>(args.size()), args.data());
    REQUIRE(over.settings);
    CHECK(over.settings->tls.verify_client == VerifyClient::optional);
    CHECK(over.settings->tls.keyfile_password == "typed");
    bool warned = false;
    for (const auto& warning : over.settings->warnings)
        warned = warned || warning.find("visible to every user in ps") != std::string::npos;
    CHECK(warned);
}

TEST_CASE("the help shows every TLS option", "[probe][tls][options]") {
    const auto help = probe_args({"--help"}).output;
    for (const char* option :
         {"--certfile", "--keyfile", "--keyfile-password", "--keyfile-password-file", "--cafile",
          "--verify-client", "--ciphers"}) {
        INFO(option);
        CHECK_THAT(help, Catch::Contains(option));
    }
}

TEST_CASE("a TLS context is built from a certificate and its key, in one file or two",
          "[probe][tls]") {
    pgwarden::test::TempDir dir;
    auto tls = cert_and_key(dir, pem::kKey);
    CHECK(make_tls_context(tls) != nullptr);

    TlsSettings combined;
    combined.certfile = dir.write("probe.pem", std::string(pem::kCert) + pem::kKey);
    CHECK(make_tls_context(combined) != nullptr);

    tls.cafile = tls.certfile;  // self-signed: its own CA
    tls.verify_client = VerifyClient::required;
    tls.ciphers = "ECDHE+AESGCM";
    CHECK(make_tls_context(tls) != nullptr);
}

TEST_CASE("the TLS context offers TLS 1.2 and later, and asks clients for what verify-client says",
          "[probe][tls]") {
    pgwarden::test::TempDir dir;
    auto tls = cert_and_key(dir, pem::kKey);
    tls.cafile = tls.certfile;
    const std::vector<std::pair<VerifyClient, int>> modes = {
        {VerifyClient::none, SSL_VERIFY_NONE},
        {VerifyClient::optional, SSL_VERIFY_PEER},
        {VerifyClient::required, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT}};
    for (const auto& [mode, openssl_mode] : modes) {
        INFO(verify_client_name(mode));
        tls.verify_client = mode;
        const auto context = make_tls_context(tls);
        SSL_CTX* native = context->native_handle();
        CHECK(SSL_CTX_get_min_proto_version(native) == TLS1_2_VERSION);
        CHECK(SSL_CTX_get_verify_mode(native) == openssl_mode);
    }
}

TEST_CASE("an encrypted key loads with its passphrase, inline or from a file, and never prompts",
          "[probe][tls]") {
    pgwarden::test::TempDir dir;
    auto tls = cert_and_key(dir, pem::kEncryptedKey);
    CHECK_THROWS_WITH(make_tls_context(tls),
                      Catch::Contains(fmt::format("--keyfile \"{}\"", tls.keyfile)) &&
                          Catch::Contains("keyfile-password"));
    tls.keyfile_password = "wrong";
    CHECK_THROWS_WITH(make_tls_context(tls), Catch::Contains("is keyfile-password right?"));
    tls.keyfile_password = "unit-secret";
    CHECK(make_tls_context(tls) != nullptr);

    tls.keyfile_password.reset();
    tls.keyfile_password_file = dir.write("key.pass", "unit-secret\n");
    CHECK(make_tls_context(tls) != nullptr);
    tls.keyfile_password_file = dir.write("empty.pass", "\n");
    CHECK_THROWS_WITH(make_tls_context(tls), Catch::Contains(tls.keyfile_password_file) &&
                                                 Catch::Contains("first line is empty"));
}

TEST_CASE("a TLS file that is missing, unreadable or wrong is named in the error", "[probe][tls]") {
    pgwarden::test::TempDir dir;
    const auto cert = dir.write("probe.crt", pem::kCert);
    const auto key = dir.write("probe.key", pem::kKey);
    const auto garbage = dir.write("garbage.pem", "not a PEM file\n");
    const auto missing = dir.path("missing.pem");

    struct Case {
        const char* what;
        TlsSettings tls;
        std::string expected;
    };
    const auto settings = [&](std::string certfile, std::string keyfile, std::string cafile) {
        TlsSettings tls;
        tls.certfile = std::move(certfile);
        tls.keyfile = std::move(keyfile);
        tls.cafile = std::move(cafile);
        if (!tls.cafile.empty())
            tls.verify_client = VerifyClient::required;
        return tls;
    };
    const std::vector<Case> cases = {
        {"missing certfile", settings(missing, key, ""),
         fmt::format("--certfile \"{}\": No such file or directory", missing)},
        {"certfile not PEM", settings(garbage, key, ""), fmt::format("--certfile \"{}\"", garbage)},
        {"missing keyfile", settings(cert, missing, ""),
         fmt::format("--keyfile \"{}\": No such file or directory", missing)},
        {"keyfile not PEM", settings(cert, garbage, ""), fmt::format("--keyfile \"{}\"", garbage)},
        {"key of another certificate", settings(cert, dir.write("other.key", pem::kOtherKey), ""),
         "this key is not the certificate's"},
        {"no key in certfile", settings(cert, "", ""), fmt::format("--certfile \"{}\"", cert)},
        {"missing cafile", settings(cert, key, missing),
         fmt::format("--cafile \"{}\": No such file or directory", missing)},
        {"cafile not PEM", settings(cert, key, garbage), fmt::format("--cafile \"{}\"", garbage)},
        {"a directory", settings(dir.path(), key, ""), "not a regular file"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        CHECK_THROWS_WITH(make_tls_context(c.tls), Catch::Contains(c.expected));
    }

    // Permissions mean nothing to root, which the suite runs as: only check them as another user.
    if (::geteuid() != 0) {
        const auto locked = dir.write("locked.key", pem::kKey);
        ::chmod(locked.c_str(), 0);
        CHECK_THROWS_WITH(
            make_tls_context(settings(cert, locked, "")),
            Catch::Contains(fmt::format("--keyfile \"{}\": Permission denied", locked)));
    }

    auto bad_ciphers = settings(cert, key, "");
    bad_ciphers.ciphers = "NO-SUCH-CIPHER";
    CHECK_THROWS_WITH(make_tls_context(bad_ciphers),
                      Catch::Contains("--ciphers \"NO-SUCH-CIPHER\" names no cipher"));
}
