#include "tls_context.hpp"

#include "certificate_validity.hpp"

#include "config/text_file.hpp"

#include <fmt/format.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace pgwarden::probe {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's PEM passphrases are at most this long (PEM_BUFSIZE); more is not a passphrase.
constexpr std::size_t kMaxPasswordBytes = 1024;
// Certificates, keys and passphrase files are small; the limit only stops a wrong path to a huge
// file.
constexpr std::size_t kMaxFileBytes = 1024 * 1024;
// Sessions resumed with a client certificate need one (OpenSSL refuses them otherwise), and
// HAProxy resumes its check sessions.
constexpr std::string_view kSessionIdContext = "pgwarden-probe";

[[noreturn]] void fail(std::string_view option, const std::string& path, std::string_view reason,
                       std::string_view hint = "") {
    throw std::runtime_error(
        fmt::format("cannot use --{} \"{}\": {}{}", option, path, reason, hint));
}

// The whole file, or an error naming it: a missing or unreadable file says so in the words of
// the system, not OpenSSL's "no such file" buried in a PEM error.
std::string read_whole(std::string_view option, const std::string& path, std::size_t limit) {
    auto file = config::read_text_file(path, limit);
    if (!file.error.empty())
        fail(option, path, file.error);
    return std::move(file.text);
}

void check_readable(std::string_view option, const std::string& path) {
    read_whole(option, path, kMaxFileBytes);
}

// The passphrase file's first line: an editor's trailing newline is not part of it, nor are the
// lines after it (a comment, a note on where the key came from).
std::string read_password_file(const std::string& path) {
    auto text = read_whole("keyfile-password-file", path, kMaxFileBytes);
    if (const auto end = text.find_first_of("\r\n"); end != std::string::npos)
        text.resize(end);
    if (text.empty())
        fail("keyfile-password-file", path, "its first line is empty");
    if (text.size() > kMaxPasswordBytes) {
        fail("keyfile-password-file", path,
             fmt::format("its first line is {} bytes long, but a key's passphrase is at most {} "
                         "(OpenSSL's limit)",
                         text.size(), kMaxPasswordBytes));
    }
    return text;
}

std::string_view key_hint(const boost::system::error_code& ec) {
    const auto message = ec.message();
    if (message.find("decrypt") != std::string::npos ||
        message.find("password") != std::string::npos)
        return " (the key is encrypted: is keyfile-password right?)";
    if (message.find("mismatch") != std::string::npos)
        return " (this key is not the certificate's)";
    return "";
}

ssl::context::verify_mode verify_mode(VerifyClient mode) {
    switch (mode) {
        case VerifyClient::none:
            return ssl::verify_none;
        case VerifyClient::optional:
            return ssl::verify_peer;
        case VerifyClient::required:
            break;
    }
    return ssl::verify_peer | ssl::verify_fail_if_no_peer_cert;
}

}  // namespace

std::shared_ptr<TlsContext> make_tls_context(const TlsSettings& settings) {
    auto context = std::make_shared<TlsContext>(TlsContext::tls_server);
    SSL_CTX* native = context->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        throw std::runtime_error("OpenSSL refuses TLS 1.2 as the lowest TLS version");
    context->set_options(TlsContext::default_workarounds | TlsContext::no_compression);
    // TLS 1.2 renegotiation: a client could make us redo the costly half of a handshake as often
    // as it likes on one connection, and nothing here needs it.
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_id_context(native,
                                   reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                   static_cast<unsigned>(kSessionIdContext.size()));

    // Always a callback, even with no passphrase: OpenSSL's default would ask on the terminal.
    std::string password;
    if (settings.keyfile_password)
        password = *settings.keyfile_password;
    else if (!settings.keyfile_password_file.empty())
        password = read_password_file(settings.keyfile_password_file);
    context->set_password_callback(
        [password](std::size_t, TlsContext::password_purpose) { return password; });

    boost::system::error_code ec;
    check_readable("certfile", settings.certfile);
    context->use_certificate_chain_file(settings.certfile, ec);
    if (ec) {
        fail("certfile", settings.certfile, ec.message(),
             " (it should hold the server's certificate in PEM, then any intermediate CA "
             "certificates)");
    }
    // Patroni's rule: without keyfile, the key is in certfile.
    const bool key_apart = !settings.keyfile.empty();
    const std::string_view key_option = key_apart ? "keyfile" : "certfile";
    const std::string& key_path = key_apart ? settings.keyfile : settings.certfile;
    check_readable(key_option, key_path);
    context->use_private_key_file(key_path, TlsContext::pem, ec);
    if (ec)
        fail(key_option, key_path, ec.message(), key_hint(ec));
    if (SSL_CTX_check_private_key(native) != 1)
        fail(key_option, key_path, "the key does not match certfile's certificate");

    if (!settings.cafile.empty()) {
        check_readable("cafile", settings.cafile);
        context->load_verify_file(settings.cafile, ec);
        if (ec)
            fail("cafile", settings.cafile, ec.message(),
                 " (it should hold CA certificates in PEM)");
        // Tells clients whose certificates we take, so one with several picks the right one.
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings.cafile.c_str()))
            SSL_CTX_set_client_CA_list(native, names);
    }
    if (!settings.ciphers.empty() &&
        SSL_CTX_set_cipher_list(native, settings.ciphers.c_str()) != 1) {
        throw std::runtime_error(fmt::format(
            "--ciphers \"{}\" names no cipher this OpenSSL has (see `openssl ciphers -v`)",
            settings.ciphers));
    }
    context->set_verify_mode(verify_mode(settings.verify_client));
    return context;
}

LoadedTls load_tls_context(const TlsSettings& settings) {
    LoadedTls loaded;
    try {
        loaded.context = make_tls_context(settings);
    } catch (const std::exception& e) {
        loaded.error = e.what();
        return loaded;
    }
    if (auto warning = certificate_warning(*loaded.context, settings.certfile))
        loaded.warnings.push_back(std::move(*warning));
    return loaded;
}

std::optional<std::string> certificate_warning(const TlsContext& context,
                                               std::string_view certfile) {
    // Asio's native_handle() is not const; OpenSSL's getter only reads.
    const X509* certificate =
        SSL_CTX_get0_certificate(const_cast<TlsContext&>(context).native_handle());
    if (certificate == nullptr)
        return std::nullopt;
    const auto validity = validity_of(*certificate);
    if (!validity)
        return std::nullopt;
    return validity_warning(certfile, *validity, CertificateClock::now());
}

}  // namespace pgwarden::probe
