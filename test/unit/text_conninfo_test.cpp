#include "config/libpq_conninfo.hpp"
#include "log/log.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using pgwarden::text::ConninfoParam;
using pgwarden::text::has_keyword;
using pgwarden::text::mask_password;
using pgwarden::text::password_apart;
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
        // Unquoted key=value passwords run to the next space: '&' and '"' are theirs.
        {"host=a password=se&cret user=b", "host=a password=******** user=b"},
        {"host=a password=se\"cret user=b", "host=a password=******** user=b"},
        {"host=a password=a\\ b user=c", "host=a password=******** user=c"},
        {"could not connect to \"host=a password=x&y\": refused",
         "could not connect to \"host=a password=********\": refused"},
        // A repmgr.conf line quoted in an error doubles the quotes of the conninfo's value.
        {"near \"conninfo='host=a password=''s e c''' x\"",
         "near \"conninfo='host=a password=********' x\""},
        {"password='' host=a", "password=******** host=a"},
        {"postgresql://h/db?password=a\"b&user=c", "postgresql://h/db?password=********&user=c"},
        // A URI's password runs to the '@' as libpq reads it, spaces included (found by fuzzing).
        {"postgresql://u:se cret@h/db", "postgresql://u:********@h/db"},
        {"postgresql://rep\vgr:secret@node1:@node1:5432/x",
         "postgresql://rep\vgr:********@node1:@node1:5432/x"},
        // Past a "://" that is no libpq URI, key=value passwords are still masked (fuzzing).
        {"see http://a password=s1 password=s:2@h",
         "see http://a password=******** password=********"},
        {"postgresql://a password=x b:c@h", "postgresql://a password=******** b:********@h"},
        {"ftp://u:pw@h", "ftp://u:pw@h"},
        // A password of quotes and punctuation alone is masked too, though it reads like the
        // end of a quoted conninfo (found by fuzzing).
        {"password=\" host=a", "password=******** host=a"},
        {"password=\"), host=a", "password=******** host=a"},
        {"\"host=a password=x\"", "\"host=a password=********\""},
    };
    for (const auto& c : cases) {
        INFO(c.input);
        CHECK(mask_password(c.input) == c.expected);
    }
}

TEST_CASE("a password is taken out of a conninfo for a child's environment", "[conninfo]") {
    const auto kv = password_apart("host=n2 password='it\\'s & \"me\"' user=repmgr");
    CHECK(kv.password == "it's & \"me\"");
    CHECK(kv.conninfo == "host='n2' user='repmgr'");
    const auto uri = password_apart("postgresql://repmgr:s%40cret@n2:5433/repmgr");
    CHECK(uri.password == "s@cret");
    CHECK(uri.conninfo.find("s@cret") == std::string::npos);
    CHECK(uri.conninfo.find("host='n2'") != std::string::npos);
    CHECK(uri.conninfo.find("port='5433'") != std::string::npos);
    // Nothing to take out, or nothing libpq would read: as written.
    CHECK(password_apart("host=n2 dbname=repmgr").conninfo == "host=n2 dbname=repmgr");
    CHECK_FALSE(password_apart("host=n2 dbname=repmgr").password);
    CHECK(password_apart("host='n2").conninfo == "host='n2");
    CHECK_FALSE(password_apart("host='n2").password);
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

namespace {

// A parse verdict as one printable line: libpq's message, or the values set, in order.
std::string describe(const std::optional<std::string>& error,
                     const std::vector<ConninfoParam>& params) {
    if (error)
        return "rejected: " + *error;
    std::string out = "accepted:";
    for (const auto& [keyword, value] : params)
        out += fmt::format(" {}=[{}]", keyword, value);
    return out;
}

std::string libpq_verdict(const std::string& conninfo) {
    char* message = nullptr;
    const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(conninfo.c_str(), &message), &PQconninfoFree);
    const std::unique_ptr<char, decltype(&PQfreemem)> owned_message(message, &PQfreemem);
    if (!options) {
        std::string reason = message != nullptr ? message : "out of memory";
        while (!reason.empty() && reason.back() == '\n')
            reason.pop_back();
        return describe(reason, {});
    }
    std::vector<ConninfoParam> params;
    for (const auto* option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val != nullptr)
            params.push_back({option->keyword, option->val});
    }
    return describe(std::nullopt, params);
}

std::string our_verdict(const std::string& conninfo) {
    const auto parsed = pgwarden::config::parse_libpq_conninfo(conninfo);
    CHECK(pgwarden::config::conninfo_error(conninfo) == parsed.error);
    return describe(parsed.error, parsed.params);
}

}  // namespace

TEST_CASE("lib/config's list of libpq keywords is libpq 15's", "[conninfo]") {
    const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> defaults(PQconndefaults(),
                                                                                &PQconninfoFree);
    REQUIRE(defaults);
    std::vector<std::string> libpq;
    for (const auto* option = defaults.get(); option->keyword != nullptr; ++option)
        libpq.emplace_back(option->keyword);
    const auto ours = pgwarden::config::libpq_keywords();
    CHECK(std::vector<std::string>(ours.begin(), ours.end()) == libpq);
    CHECK_FALSE(pgwarden::config::is_libpq_keyword("requiressl"));
    CHECK_FALSE(pgwarden::config::is_libpq_keyword("Host"));
}

TEST_CASE("the pure conninfo parser gives PQconninfoParse's verdict, message for message",
          "[conninfo]") {
    const std::string cases[] = {
        // valid key=value
        "",
        "   ",
        "host=node1 user=repmgr dbname=repmgr connect_timeout=2",
        "host = node1\tport =5432\n dbname= x",
        "application_name='it\\'s' options='-c search_path=' password=''",
        "options=-c\\ x=1 host=a\\\\b",
        "host='a'port=5",
        "host=a host=b",
        "requiressl=1",
        "requiressl=0 host=a",
        "host=a=b",
        "dbname='postgresql://h/db'",
        // unknown keywords and syntax errors
        "hostx=a",
        "Host=a",
        "host=a hostx=b port",
        "host=a port",
        "host",
        "=a",
        "host a=b",
        "host=a 'port'=5",
        "host='unterminated",
        "host='a\\'",
        "host=a\\",
        // URIs
        "postgresql://",
        "postgres://h",
        "postgresql://repmgr@node1:5432/repmgr?connect_timeout=2",
        "postgresql://user:secret@node1/db",
        "postgresql://user:@node1/db",
        "postgresql://:secret@node1/db",
        "postgresql://@node1",
        "postgresql://us%65r:p%40ss@h/d%62",
        "postgresql://h1:5432,h2:5433,h3/db",
        "postgresql://h1,,h3",
        "postgresql://[::1]:5432/db",
        "postgresql://[2001:db8::1],[::1]:6/db",
        "postgresql://[::1",
        "postgresql://[]:5432",
        "postgresql://[::1]x/db",
        "postgresql:///db?host=/var/run/postgresql",
        "postgresql://h/db?sslmode=require&application_name=a%20b",
        "postgresql://h?ssl=true",
        "postgresql://h?ssl=false",
        "postgresql://h?requiressl=1",
        "postgresql://h?hostx=a",
        "postgresql://h?host",
        "postgresql://h?host=a=b",
        "postgresql://h?host=a&&port=5",
        "postgresql://h?host=a&",
        "postgresql://h?",
        "postgresql://h/db?user=%zz",
        "postgresql://h/db?user=a%00b",
        "postgresql://h/%4",
        "postgresql://h%zz/db",
        "postgresql://h:54%32/db",
        "postgresql://user@h/db@x",
        "postgresql://h/db/more",
        "postgresql:/h/db",
        "POSTGRESQL://h/db",
    };
    int rejected = 0;
    for (const auto& conninfo : cases) {
        INFO(conninfo);
        const std::string expected = libpq_verdict(conninfo);
        CHECK(our_verdict(conninfo) == expected);
        rejected += expected.starts_with("rejected") ? 1 : 0;
    }
    // The table exercises both sides of the verdict.
    CHECK(rejected > 20);
    CHECK(rejected < static_cast<int>(std::size(cases)) - 20);
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
