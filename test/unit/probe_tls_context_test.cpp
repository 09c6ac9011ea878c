// The probe's TLS context beyond its files' errors: what it refuses to do (renegotiation), the
// passphrase file's first line, and what it says of a certificate outside its validity period.
#include "certificate_validity.hpp"
#include "temp_dir.hpp"
#include "tls_context.hpp"
#include "tls_test_pems.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <openssl/ssl.h>

#include <string>

using namespace pgwarden::probe;
using namespace std::chrono_literals;
namespace pem = pgwarden::test::pem;

namespace {

TlsSettings cert_and_key(const pgwarden::test::TempDir& dir, const char* cert, const char* key) {
    TlsSettings tls;
    tls.certfile = dir.write("probe.crt", cert);
    tls.keyfile = dir.write("probe.key", key);
    return tls;
}

// 2026-12-01 00:00:00 UTC.
const auto kNow = CertificateClock::from_time_t(1796083200);

}  // namespace

TEST_CASE("the TLS context refuses TLS 1.2 renegotiation", "[probe][tls]") {
    pgwarden::test::TempDir dir;
    const auto context = make_tls_context(cert_and_key(dir, pem::kCert, pem::kKey));
    CHECK((SSL_CTX_get_options(context->native_handle()) & SSL_OP_NO_RENEGOTIATION) != 0);
}

TEST_CASE(
    "the passphrase is the first line of its file: lines after it are fine, a first line past "
    "OpenSSL's 1024 bytes is refused naming the file",
    "[probe][tls]") {
    pgwarden::test::TempDir dir;
    auto tls = cert_and_key(dir, pem::kCert, pem::kEncryptedKey);
    tls.keyfile_password_file = dir.write("key.pass", "unit-secret\n# made by the key ceremony\n" +
                                                          std::string(2000, 'x') + "\nand more\n");
    CHECK(make_tls_context(tls) != nullptr);
    tls.keyfile_password_file = dir.write("crlf.pass", "unit-secret\r\nsecond line\r\n");
    CHECK(make_tls_context(tls) != nullptr);

    // 1024 bytes is the most a passphrase may have: it is tried (and is wrong), not refused.
    tls.keyfile_password_file = dir.write("longest.pass", std::string(1024, 'p') + "\n");
    CHECK_THROWS_WITH(make_tls_context(tls), Catch::Contains("is keyfile-password right?"));
    tls.keyfile_password_file = dir.write("long.pass", std::string(1025, 'p') + "\nshort\n");
    CHECK_THROWS_WITH(
        make_tls_context(tls),
        Catch::Contains(fmt::format("--keyfile-password-file \"{}\"", tls.keyfile_password_file)) &&
            Catch::Contains("first line is 1025 bytes long") && Catch::Contains("at most 1024"));
}

TEST_CASE(
    "a certificate is warned about when expired, not yet valid, or expiring within 7 days (a "
    "short-lived one within the last third of its life)",
    "[probe][tls]") {
    const Validity validity{kNow - 24h * 30, kNow + 24h * 30};
    const Validity two_days{kNow, kNow + 48h};
    struct Case {
        const char* what;
        Validity validity;
        CertificateClock::time_point now;
        std::string expected;  // empty: no warning
    };
    const std::vector<Case> cases = {
        {"well inside", validity, kNow, ""},
        {"8 days left", validity, validity.not_after - 24h * 8, ""},
        {"6 days left", validity, validity.not_after - 24h * 6 - 1s,
         "expires on 2026-12-31 00:00:00 UTC (notAfter), in 6 days"},
        {"expired", validity, validity.not_after + 1s,
         "expired on 2026-12-31 00:00:00 UTC (notAfter)"},
        {"not yet valid", validity, validity.not_before - 1s,
         "is not valid before 2026-11-01 00:00:00 UTC (notBefore)"},
        {"a fresh two-day certificate", two_days, kNow + 1h, ""},
        {"two-day certificate, 17 hours left", two_days, two_days.not_after - 17h, ""},
        {"two-day certificate, 10 hours left", two_days, two_days.not_after - 10h,
         "expires on 2026-12-03 00:00:00 UTC (notAfter), in 10 hours"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto warning = validity_warning("/etc/pgwarden/probe.crt", c.validity, c.now);
        if (c.expected.empty()) {
            CHECK_FALSE(warning);
        } else {
            REQUIRE(warning);
            CHECK_THAT(*warning, Catch::Contains("certfile \"/etc/pgwarden/probe.crt\"") &&
                                     Catch::Contains(c.expected));
        }
    }
}

TEST_CASE(
    "an expired or not yet valid certificate is loaded and served, with a warning naming the "
    "file and the date",
    "[probe][tls]") {
    pgwarden::test::TempDir dir;
    const auto good = load_tls_context(cert_and_key(dir, pem::kCert, pem::kKey));
    CHECK(good.context != nullptr);
    CHECK(good.error.empty());
    CHECK(good.warnings.empty());

    const auto expired_tls = cert_and_key(dir, pem::kExpiredCert, pem::kKey);
    const auto expired = load_tls_context(expired_tls);
    CHECK(expired.context != nullptr);
    REQUIRE(expired.warnings.size() == 1);
    CHECK_THAT(expired.warnings[0],
               Catch::Contains(fmt::format("certfile \"{}\"", expired_tls.certfile)) &&
                   Catch::Contains("expired on 2021-01-02 03:04:05 UTC"));

    const auto future = load_tls_context(cert_and_key(dir, pem::kFutureCert, pem::kKey));
    CHECK(future.context != nullptr);
    REQUIRE(future.warnings.size() == 1);
    CHECK_THAT(future.warnings[0], Catch::Contains("not valid before 2120-01-02 03:04:05 UTC"));

    // What the probe asks every kValidityRecheck of the context it serves.
    CHECK_FALSE(certificate_warning(*good.context, "probe.crt"));
    const auto later = certificate_warning(*expired.context, expired_tls.certfile);
    REQUIRE(later);
    CHECK(*later == expired.warnings[0]);
}

TEST_CASE("TLS files that cannot be used give no context and the reason, never a throw",
          "[probe][tls]") {
    pgwarden::test::TempDir dir;
    auto tls = cert_and_key(dir, pem::kCert, pem::kKey);
    tls.keyfile = dir.path("missing.key");
    const auto loaded = load_tls_context(tls);
    CHECK(loaded.context == nullptr);
    CHECK_THAT(loaded.error, Catch::Contains(fmt::format("--keyfile \"{}\"", tls.keyfile)));
}
