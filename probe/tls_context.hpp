// The OpenSSL context the TLS listener serves with, built from TlsSettings. It reads the files,
// so start-up and SIGHUP's reload both come through here and fail the same way.
#pragma once

#include "tls_settings.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace pgwarden::probe {

using TlsContext = boost::asio::ssl::context;

// TLS 1.2 or later, the certificate chain and key, the client CA and verify mode, the ciphers.
// Throws std::runtime_error naming the option and file that could not be read or used, with
// OpenSSL's reason. Never prompts for a passphrase: without keyfile-password an encrypted key
// fails to load.
std::shared_ptr<TlsContext> make_tls_context(const TlsSettings& settings);

}  // namespace pgwarden::probe
