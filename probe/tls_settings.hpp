// The probe's TLS settings as Patroni's REST API names them (certfile, keyfile, keyfile_password,
// cafile, ciphers, verify_client), checked for what makes no sense together. Pure: the files
// are read when the context is built (tls_context.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::probe {

// What the probe asks of a client's certificate, with Patroni's verify_client meanings.
enum class VerifyClient {
    none,      // none is asked for
    optional,  // one is asked for; a client that sends one must send one our CA signed
    required,  // no valid certificate, no handshake: the client gets no HTTP answer at all
};

std::optional<VerifyClient> parse_verify_client(std::string_view text);
std::string_view verify_client_name(VerifyClient mode);

// The TLS options as given (command line over pgwarden.ini); absent ones are nullopt.
struct TlsOptions {
    std::optional<std::string> certfile;
    std::optional<std::string> keyfile;
    std::optional<std::string> keyfile_password;
    std::optional<std::string> keyfile_password_file;
    std::optional<std::string> cafile;
    std::optional<std::string> ciphers;
    std::optional<std::string> verify_client;
};

struct TlsSettings {
    std::string certfile;  // empty: plain HTTP, as before TLS existed
    std::string keyfile;   // empty: the key is in certfile (Patroni's rule)
    // The key's passphrase, or the file it is read from (again on every reload).
    std::optional<std::string> keyfile_password;
    std::string keyfile_password_file;
    std::string cafile;   // the CA that signs client certificates
    std::string ciphers;  // OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default
    VerifyClient verify_client = VerifyClient::none;

    bool enabled() const { return !certfile.empty(); }
};

struct ResolvedTls {
    TlsSettings settings;
    std::vector<std::string> warnings;  // allowed but probably not meant
};

// Throws std::runtime_error, naming the options, for a combination that cannot work: TLS
// settings without certfile, verify-client optional/required without cafile, a bad
// verify-client value, a passphrase given twice.
ResolvedTls resolve_tls_settings(const TlsOptions& options);

}  // namespace pgwarden::probe
