// -S/--superuser's conninfo rewrite: libpq's keyword order and quoting, as repmgr writes it.
#include "register_support.hpp"

#include <catch2/catch.hpp>

using pgwarden::cli::reg::conninfo_with;

TEST_CASE("a keyword is replaced or added in libpq's keyword order, every value quoted",
          "[conninfo]") {
    CHECK(conninfo_with("host=a user=b dbname=c", "user", "postgres") ==
          "user='postgres' dbname='c' host='a'");
    CHECK(conninfo_with("dbname=c host=a", "user", "it's") == "user='it\\'s' dbname='c' host='a'");
    CHECK(conninfo_with("postgresql://u@h:5/db?connect_timeout=2", "user", "s") ==
          "user='s' connect_timeout='2' dbname='db' host='h' port='5'");
    // Empty values are dropped, a repeated keyword counts once with its last value.
    CHECK(conninfo_with("host=a password='' host=b", "user", "s") == "user='s' host='b'");
}

TEST_CASE("a conninfo libpq cannot parse is not rewritten", "[conninfo]") {
    CHECK_FALSE(conninfo_with("host=a b", "user", "s"));
    CHECK_FALSE(conninfo_with("hostx=a", "user", "s"));
}
