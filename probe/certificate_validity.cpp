#include "certificate_validity.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <openssl/asn1.h>

#include <algorithm>
#include <ctime>

namespace pgwarden::probe {

namespace {

std::string utc_text(CertificateClock::time_point when) {
    return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(CertificateClock::to_time_t(when)));
}

std::optional<CertificateClock::time_point> time_point_of(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1)
        return std::nullopt;
    return CertificateClock::from_time_t(::timegm(&tm));
}

}  // namespace

std::optional<std::string> validity_warning(std::string_view certfile, const Validity& validity,
                                            CertificateClock::time_point now) {
    if (now < validity.not_before) {
        return fmt::format(
            "the certificate in certfile \"{}\" is not valid before {} (notBefore): it is served, "
            "but clients that verify it refuse it until then; check this host's clock and the "
            "certificate's dates",
            certfile, utc_text(validity.not_before));
    }
    if (now > validity.not_after) {
        return fmt::format(
            "the certificate in certfile \"{}\" expired on {} (notAfter): it is served, but "
            "clients that verify it (HAProxy's check-ssl verify required) refuse it; renew it and "
            "send SIGHUP",
            certfile, utc_text(validity.not_after));
    }
    const auto left = validity.not_after - now;
    const auto soon = std::min<CertificateClock::duration>(
        kExpiresSoon, (validity.not_after - validity.not_before) / 3);
    if (left < soon) {
        const auto hours = std::chrono::duration_cast<std::chrono::hours>(left).count();
        return fmt::format(
            "the certificate in certfile \"{}\" expires on {} (notAfter), in {}; renew it and "
            "send SIGHUP",
            certfile, utc_text(validity.not_after),
            hours >= 48 ? fmt::format("{} days", hours / 24) : fmt::format("{} hours", hours));
    }
    return std::nullopt;
}

std::optional<Validity> validity_of(const X509& certificate) {
    const auto not_before = time_point_of(X509_get0_notBefore(&certificate));
    const auto not_after = time_point_of(X509_get0_notAfter(&certificate));
    if (!not_before || !not_after)
        return std::nullopt;
    return Validity{*not_before, *not_after};
}

}  // namespace pgwarden::probe
