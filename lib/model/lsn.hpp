// A WAL position (pg_lsn), read and printed as PostgreSQL and repmgr print it: "0/3000060".
#pragma once

#include "model/text_formatter.hpp"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::model {

// A distinct type so a WAL position cannot be mixed up with a byte count or a timeline.
class Lsn {
  public:
    constexpr Lsn() = default;
    constexpr explicit Lsn(std::uint64_t value) : value_(value) {}

    constexpr std::uint64_t value() const { return value_; }

    friend constexpr auto operator<=>(Lsn, Lsn) = default;

  private:
    std::uint64_t value_ = 0;
};

// "%X/%X" (upper or lower case hex); nullopt for anything else.
std::optional<Lsn> parse_lsn(std::string_view text);
// "%X/%X", as pg_lsn_out and repmgr's format_lsn write it.
std::string format_lsn(Lsn lsn);

}  // namespace pgwarden::model

// Lets messages print an Lsn with "{}" the way PostgreSQL does.
template <>
struct fmt::formatter<pgwarden::model::Lsn>
    : pgwarden::model::TextFormatter<pgwarden::model::Lsn, &pgwarden::model::format_lsn> {};
