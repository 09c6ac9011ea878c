#include "tls_settings.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

namespace pgwarden::probe {

std::optional<VerifyClient> parse_verify_client(std::string_view text) {
    if (text == "none")
        return VerifyClient::none;
    if (text == "optional")
        return VerifyClient::optional;
    if (text == "required")
        return VerifyClient::required;
    return std::nullopt;
}

std::string_view verify_client_name(VerifyClient mode) {
    switch (mode) {
        case VerifyClient::none:
            return "none";
        case VerifyClient::optional:
            return "optional";
        case VerifyClient::required:
            break;
    }
    return "required";
}

namespace {

// An empty value counts as not given: "cafile =" in pgwarden.ini switches nothing on.
std::string given(const std::optional<std::string>& value) {
    return value.value_or("");
}

}  // namespace

ResolvedTls resolve_tls_settings(const TlsOptions& options) {
    ResolvedTls resolved;
    auto& tls = resolved.settings;
    tls.certfile = given(options.certfile);
    tls.keyfile = given(options.keyfile);
    tls.cafile = given(options.cafile);
    tls.ciphers = given(options.ciphers);
    tls.keyfile_password_file = given(options.keyfile_password_file);
    if (options.keyfile_password && !options.keyfile_password->empty())
        tls.keyfile_password = options.keyfile_password;
    if (options.verify_client && !options.verify_client->empty()) {
        const auto mode = parse_verify_client(*options.verify_client);
        if (!mode) {
            throw std::runtime_error(
                fmt::format("invalid --verify-client \"{}\": use none, optional or required",
                            *options.verify_client));
        }
        tls.verify_client = *mode;
    }

    if (!tls.enabled()) {
        // Each of these only means something for a TLS listener, which certfile switches on.
        const std::pair<const char*, bool> needs_certfile[] = {
            {"keyfile", !tls.keyfile.empty()},
            {"keyfile-password", tls.keyfile_password.has_value()},
            {"keyfile-password-file", !tls.keyfile_password_file.empty()},
            {"cafile", !tls.cafile.empty()},
            {"ciphers", !tls.ciphers.empty()},
            {"verify-client", tls.verify_client != VerifyClient::none}};
        for (const auto& [name, set] : needs_certfile) {
            if (set) {
                throw std::runtime_error(fmt::format(
                    "--{} is set but --certfile is not: TLS needs the server's certificate "
                    "(certfile, PEM); give it, or drop the TLS settings to serve plain HTTP",
                    name));
            }
        }
        return resolved;
    }
    if (tls.keyfile_password && !tls.keyfile_password_file.empty()) {
        throw std::runtime_error("give --keyfile-password or --keyfile-password-file, not both");
    }
    if (tls.verify_client != VerifyClient::none && tls.cafile.empty()) {
        throw std::runtime_error(fmt::format(
            "--verify-client {} needs --cafile: the CA certificate(s) that sign the clients' "
            "(HAProxy's) certificates",
            verify_client_name(tls.verify_client)));
    }
    if (tls.verify_client == VerifyClient::none && !tls.cafile.empty()) {
        resolved.warnings.push_back(fmt::format(
            "cafile \"{}\" is not used with verify-client none: no client certificate is asked "
            "for; set verify-client to optional or required to check HAProxy's",
            tls.cafile));
    }
    return resolved;
}

}  // namespace pgwarden::probe
