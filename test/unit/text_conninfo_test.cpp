#include "log/log.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

using pgwarden::text::ConninfoParam;
using pgwarden::text::has_keyword;
using pgwarden::text::mask_password;
using pgwarden::text::with_default;

TEST_CASE("a password in a conninfo is masked wherever it appears", "[conninfo]") {
    struct Case {
        const char* input;
        const char* expected;
    };
    const Case cases[] = {
        {"host=a password=secret user=b", "host=a password=******** user=b"},
        {"host=a password = secret", "host=a password = ********"},
        {"password='s e c\\'ret' dbname=x", "password=******** dbname=x"},
        {"could not connect to \"host=a PASSWORD=x\"",
         "could not connect to \"host=a PASSWORD=********\""},
        {"postgresql://repmgr:secret@node1:5432/repmgr",
         "postgresql://repmgr:********@node1:5432/repmgr"},
        {"postgresql://node1/db?user=a&password=secret&sslmode=require",
         "postgresql://node1/db?user=a&password=********&sslmode=require"},
        {"host=a user=b", "host=a user=b"},
        {"passwordless=yes", "passwordless=yes"},
        {"postgresql://node1:5432/db", "postgresql://node1:5432/db"},
    };
    for (const auto& c : cases) {
        INFO(c.input);
        CHECK(mask_password(c.input) == c.expected);
    }
}

TEST_CASE("conninfo keywords are found in key=value and URI forms", "[conninfo]") {
    CHECK(has_keyword("host=a connect_timeout=2", "connect_timeout"));
    CHECK(has_keyword("host = a  connect_timeout = '2'", "connect_timeout"));
    CHECK_FALSE(has_keyword("host=a options='-c connect_timeout=2'", "connect_timeout"));
    CHECK(has_keyword("postgresql://h/db?connect_timeout=2", "connect_timeout"));
    CHECK_FALSE(has_keyword("postgresql://h/db", "connect_timeout"));
    CHECK(has_keyword("postgresql://repmgr@h/db", "user"));
    CHECK(has_keyword("host=a requiressl=1", "sslmode"));
    CHECK_FALSE(has_keyword("host=a connect_timeout", "connect_timeout"));
}

TEST_CASE("a conninfo is read as libpq reads it, in the order written", "[conninfo]") {
    using pgwarden::text::parse_conninfo;
    using Params = std::vector<ConninfoParam>;
    CHECK(parse_conninfo("host = a  port=5432 application_name='it\\'s me' options=-c\\ x=1")
              .params == Params{{"host", "a"},
                                {"port", "5432"},
                                {"application_name", "it's me"},
                                {"options", "-c x=1"}});
    CHECK(parse_conninfo("postgresql://us%65r:p%40ss@[::1]:5432,h2:5433/d%62?sslmode=require")
              .params == Params{{"user", "user"},
                                {"password", "p@ss"},
                                {"host", "::1,h2"},
                                {"port", "5432,5433"},
                                {"dbname", "db"},
                                {"sslmode", "require"}});
    const auto twice = parse_conninfo("host=a host=b");
    CHECK(twice.params.size() == 2);
    CHECK(twice.value_of("host") == "b");
    CHECK_FALSE(twice.value_of("port"));
    // Without a keyword list only the syntax is checked.
    CHECK_FALSE(parse_conninfo("hostx=a").error);
    CHECK(parse_conninfo("host=a b").error ==
          "missing \"=\" after \"b\" in connection info string");
}

TEST_CASE("log levels are read as repmgr spells them", "[log]") {
    using pgwarden::log::Level;
    CHECK(pgwarden::log::parse_level("debug") == Level::debug);
    CHECK(pgwarden::log::parse_level("WARNING") == Level::warning);
    CHECK(pgwarden::log::parse_level("Emerg") == Level::emerg);
    CHECK_FALSE(pgwarden::log::parse_level("WARN"));
    CHECK(pgwarden::log::level_name(Level::notice) == "NOTICE");
}

TEST_CASE("a log line has repmgr's shape, DETAIL lines keep their label, passwords are masked",
          "[log]") {
    namespace log = pgwarden::log;
    const std::string path = fmt::format("/tmp/pgwarden-log-test-{}.log", ::getpid());
    REQUIRE_FALSE(log::open_file(path));
    log::set_level(log::Level::info);
    log::info("connecting to \"host=a password=secret\"");
    log::error("DETAIL: attempted {}", "x");
    log::debug("not shown");
    REQUIRE_FALSE(log::open_file(""));
    std::ifstream in(path);
    std::string first, second, third;
    std::getline(in, first);
    std::getline(in, second);
    CHECK_FALSE(std::getline(in, third));
    std::remove(path.c_str());
    CHECK_THAT(
        first,
        Catch::Matches(
            R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[INFO\] connecting to "host=a password=\*{8}")"));
    CHECK_THAT(second, Catch::EndsWith("] [DETAIL] attempted x"));
}
