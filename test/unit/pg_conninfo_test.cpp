#include "log/log.hpp"
#include "pg/conninfo.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

using pgwarden::pg::has_keyword;
using pgwarden::pg::mask_password;
using pgwarden::pg::with_default;

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
}

TEST_CASE("a default is added only when the conninfo does not set the keyword", "[conninfo]") {
    CHECK(with_default("host=a", "connect_timeout", "2") == "host=a connect_timeout='2'");
    CHECK(with_default("host=a connect_timeout=5", "connect_timeout", "2") ==
          "host=a connect_timeout=5");
    CHECK(with_default("postgresql://h/db", "connect_timeout", "2") ==
          "postgresql://h/db?connect_timeout=2");
    CHECK(with_default("postgresql://h/db?sslmode=disable", "connect_timeout", "2") ==
          "postgresql://h/db?sslmode=disable&connect_timeout=2");
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
