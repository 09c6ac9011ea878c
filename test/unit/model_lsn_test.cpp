// WAL positions read and printed as PostgreSQL and repmgr print them.
#include "model/lsn.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

using pgwarden::model::format_lsn;
using pgwarden::model::Lsn;
using pgwarden::model::parse_lsn;

TEST_CASE("LSNs read and print as PostgreSQL's", "[model]") {
    CHECK(parse_lsn("0/3000060") == Lsn(0x3000060));
    CHECK(parse_lsn("1A/FF") == Lsn((0x1AULL << 32) | 0xFF));
    CHECK(parse_lsn("1a/ff") == Lsn((0x1AULL << 32) | 0xFF));
    CHECK(parse_lsn("FFFFFFFF/FFFFFFFF") == Lsn(~0ULL));
    CHECK(format_lsn(Lsn(0x3000060)) == "0/3000060");
    CHECK(format_lsn(Lsn((0x1AULL << 32) | 0xFF)) == "1A/FF");
    CHECK(format_lsn(Lsn()) == "0/0");
}

TEST_CASE("text that is not an LSN is refused", "[model]") {
    for (const char* text :
         {"3000060", "0/xyz", "/3000060", "0/", "", "0/3000060 ", "1/2/3", "100000000/0", "-1/0"})
        CHECK_FALSE(parse_lsn(text));
}

TEST_CASE("LSNs order by WAL position and print with {}", "[model]") {
    CHECK(Lsn(0x3000060) < Lsn(0x100000000));
    CHECK(*parse_lsn("0/FFFFFFFF") < *parse_lsn("1/0"));
    CHECK(fmt::format("lsn is {}", Lsn(0x3000060)) == "lsn is 0/3000060");
}
