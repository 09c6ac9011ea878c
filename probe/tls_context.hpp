// The OpenSSL context the TLS listener serves with, built from TlsSettings. It reads the files,
// so start-up and SIGHUP's reload both come through here and fail the same way.
#pragma once

#include "tls_settings.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::probe {

using TlsContext = boost::asio::ssl::context;

// TLS 1.2 or later, the certificate chain and key, the client CA and verify mode, the ciphers.
// Throws std::runtime_error naming the option and file that could not be read or used, with
// OpenSSL's reason. Never prompts for a passphrase: without keyfile-password an encrypted key
// fails to load.
std::shared_ptr<TlsContext> make_tls_context(const TlsSettings& settings);

struct LoadedTls {
    std::shared_ptr<TlsContext> context;  // null: the files cannot be used, and `error` says why
    std::string error;
    // Served anyway, but probably not meant: a certificate outside its validity period.
    std::vector<std::string> warnings;
};

// make_tls_context's context with what is wrong with the certificate it serves, or its error:
// start-up and SIGHUP's reload both use it, and decide on the context, not the error's text.
LoadedTls load_tls_context(const TlsSettings& settings);

// What is wrong now with the certificate `context` serves (validity_warning), if anything: a
// certificate expires while it is served, so the probe asks again every kValidityRecheck.
std::optional<std::string> certificate_warning(const TlsContext& context,
                                               std::string_view certfile);
constexpr std::chrono::hours kValidityRecheck{6};

}  // namespace pgwarden::probe
