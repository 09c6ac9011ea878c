#include "model/lsn.hpp"

#include <charconv>

namespace pgwarden::model {

std::optional<Lsn> parse_lsn(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size())
        return std::nullopt;
    std::uint32_t high = 0;
    std::uint32_t low = 0;
    const char* hb = text.data();
    const char* he = text.data() + slash;
    const char* lb = he + 1;
    const char* le = text.data() + text.size();
    auto h = std::from_chars(hb, he, high, 16);
    auto l = std::from_chars(lb, le, low, 16);
    if (h.ec != std::errc() || h.ptr != he || l.ec != std::errc() || l.ptr != le)
        return std::nullopt;
    return Lsn((static_cast<std::uint64_t>(high) << 32) | low);
}

std::string format_lsn(Lsn lsn) {
    return fmt::format("{:X}/{:X}", static_cast<std::uint32_t>(lsn.value() >> 32),
                       static_cast<std::uint32_t>(lsn.value()));
}

}  // namespace pgwarden::model
