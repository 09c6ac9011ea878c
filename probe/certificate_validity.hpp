// Whether the certificate the probe serves is inside its validity period: an expired one (or one
// not yet valid: a wrong clock) is still served, as Patroni does, but clients that verify it
// refuse every handshake, so start-up and SIGHUP's reload say so.
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::probe {

using CertificateClock = std::chrono::system_clock;

struct Validity {
    CertificateClock::time_point not_before;
    CertificateClock::time_point not_after;
};

// Warned about ahead of the end, so a renewal can still be made in time; a short-lived
// certificate (a day's, renewed every few hours) only in the last third of its life, or it would
// be warned about from the day it was made.
constexpr std::chrono::hours kExpiresSoon{7 * 24};

// The warning for `certfile`'s certificate at `now`: expired, not yet valid, or expiring soon
// (see kExpiresSoon); nothing when none of these. Pure.
std::optional<std::string> validity_warning(std::string_view certfile, const Validity& validity,
                                            CertificateClock::time_point now);

// The certificate's notBefore and notAfter; nothing if OpenSSL cannot read them.
std::optional<Validity> validity_of(const X509& certificate);

}  // namespace pgwarden::probe
