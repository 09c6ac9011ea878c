// Which hosts the probe and the daemon look up themselves, and the conninfo that hands libpq the
// addresses.
#include "pg/host_addresses.hpp"
#include "text/conninfo.hpp"

#include <catch2/catch.hpp>

namespace pg = pgwarden::pg;

TEST_CASE("only host names are looked up: not IP literals, sockets, or a given hostaddr",
          "[pg][dns]") {
    auto lookup = pg::plan_lookup("host=db1.example,10.0.0.2,/run/postgresql,::1 port=5432");
    REQUIRE(lookup.hosts.size() == 4);
    CHECK(lookup.needs_dns == std::vector<bool>{true, false, false, false});
    CHECK(lookup.any());
    CHECK_FALSE(pg::plan_lookup("host=db1 hostaddr=10.0.0.1").any());
    CHECK_FALSE(pg::plan_lookup("dbname=x").any());  // libpq's default socket
    CHECK_FALSE(pg::plan_lookup("host='unterminated").any());
    CHECK(pg::plan_lookup("postgresql://db1.example:5433/postgres").any());
}

TEST_CASE("a port list that matches neither one port nor one per host is an error of the plan",
          "[pg][dns]") {
    CHECK(pg::plan_lookup("host=a.example,b.example,c.example port=1,2").error ==
          "could not match 2 port numbers to 3 hosts");
    CHECK(pg::plan_lookup("host=a.example port=1,2").error ==
          "could not match 2 port numbers to 1 hosts");
    CHECK(pg::plan_lookup("host=a.example,b.example port=1").error.empty());
    CHECK(pg::plan_lookup("host=a.example,b.example port=1,2").error.empty());
    CHECK(pg::plan_lookup("host=a.example,b.example").error.empty());
}

TEST_CASE("resolved hosts become one hostaddr entry per address, ports following", "[pg][dns]") {
    const std::string conninfo =
        "host=db1.example,10.0.0.2 port=5432,5433 user=repmgr password='p w' connect_timeout=2";
    const auto lookup = pg::plan_lookup(conninfo);
    const auto out = pg::with_host_addresses(conninfo, lookup, {{"2001:db8::1", "192.0.2.1"}, {}});
    REQUIRE(out);
    const auto parsed = pgwarden::text::parse_conninfo(*out);
    REQUIRE_FALSE(parsed.error);
    CHECK(parsed.value_of("host") == "db1.example,db1.example,10.0.0.2");
    CHECK(parsed.value_of("hostaddr") == "2001:db8::1,192.0.2.1,");
    CHECK(parsed.value_of("port") == "5432,5432,5433");
    CHECK(parsed.value_of("password") == "p w");
    CHECK(parsed.value_of("connect_timeout") == "2");

    // One port for all hosts stays one per entry; a host without addresses is dropped.
    const auto two = pg::plan_lookup("host=a.example,b.example port=6432");
    const auto dropped =
        pg::with_host_addresses("host=a.example,b.example port=6432", two, {{}, {"192.0.2.9"}});
    REQUIRE(dropped);
    CHECK(pgwarden::text::parse_conninfo(*dropped).value_of("host") == "b.example");
    CHECK(pgwarden::text::parse_conninfo(*dropped).value_of("port") == "6432");
    // Nothing found anywhere: nothing to connect to.
    CHECK_FALSE(pg::with_host_addresses("host=a.example", pg::plan_lookup("host=a.example"), {{}}));
}
