// The probe's TLS context beyond its files' errors: what it refuses to do (renegotiation) and
// the passphrase file's first line.
#include "temp_dir.hpp"
#include "tls_context.hpp"
#include "tls_test_pems.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <openssl/ssl.h>

#include <string>

using namespace pgwarden::probe;
namespace pem = pgwarden::test::pem;

namespace {

TlsSettings cert_and_key(const pgwarden::test::TempDir& dir, const char* cert, const char* key) {
    TlsSettings tls;
    tls.certfile = dir.write("probe.crt", cert);
    tls.keyfile = dir.write("probe.key", key);
    return tls;
}

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
