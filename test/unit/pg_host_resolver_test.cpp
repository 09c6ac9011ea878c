// The resolver's promises to its callers, without DNS: an answer comes later on the io_context,
// and a cancelled or abandoned lookup never answers.
#include "pg/host_resolver.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <optional>

namespace pg = pgwarden::pg;

TEST_CASE("a conninfo without host names is handed back as it is, later, on the io_context",
          "[pg][dns]") {
    boost::asio::io_context io;
    pg::HostResolver resolver(io);
    std::optional<std::string> answer;
    const std::string conninfo = "host=127.0.0.1,/run/postgresql port=5432 sslmode=require";
    resolver.resolve(conninfo, [&](const std::string& out, const std::string& error) {
        CHECK(error.empty());
        answer = out;
    });
    CHECK_FALSE(answer);  // never inside resolve()
    io.run();
    CHECK(answer == conninfo);
}

TEST_CASE("a cancelled lookup, or one whose resolver is gone, never answers", "[pg][dns]") {
    boost::asio::io_context io;
    int answers = 0;
    const auto count = [&](const std::string&, const std::string&) { ++answers; };
    pg::HostResolver resolver(io);
    resolver.resolve("host=127.0.0.1", count);
    resolver.cancel();
    {
        pg::HostResolver gone(io);
        gone.resolve("host=127.0.0.1", count);
    }
    // A second resolve() replaces the first: only the last one answers.
    resolver.resolve("host=127.0.0.2", count);
    resolver.resolve("host=127.0.0.3", count);
    io.run();
    CHECK(answers == 1);
}

TEST_CASE(
    "a conninfo whose port count does not match its host count is refused with libpq's "
    "reason, before any lookup",
    "[pg][dns]") {
    boost::asio::io_context io;
    pg::HostResolver resolver(io);
    std::optional<std::string> error;
    // localhost comes from /etc/hosts: the lookups would succeed, and gave an empty reason.
    resolver.resolve("host=localhost,localhost,localhost port=5432,5433",
                     [&](const std::string& out, const std::string& why) {
                         CHECK(out.empty());
                         error = why;
                     });
    io.run();
    REQUIRE(error);
    CHECK(*error == "could not match 2 port numbers to 3 hosts");
}
