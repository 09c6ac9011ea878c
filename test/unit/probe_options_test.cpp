#include "command_lines.hpp"
#include "options.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <vector>

using pgwarden::probe::parse_command_line;

namespace {

using pgwarden::test::probe_args;

}  // namespace

TEST_CASE("probe options default to port 5445 on every address", "[probe][options]") {
    const auto parsed = probe_args({});
    REQUIRE(parsed.settings);
    CHECK(parsed.settings->port == 5445);
    CHECK(parsed.settings->listen == "*");
    CHECK(parsed.settings->checker.query_timeout == std::chrono::milliseconds(2000));
    CHECK(parsed.settings->checker.conninfo == "host=x");
}

TEST_CASE("out-of-range probe numbers are refused instead of wrapped", "[probe][options]") {
    const std::vector<std::vector<const char*>> bad = {{"--query-timeout", "-5"},
                                                       {"--query-timeout", "0"},
                                                       {"--port", "0"},
                                                       {"--port", "70000"},
                                                       {"--max-connections", "0"},
                                                       {"--read-timeout", "-1"},
                                                       {"--accept-check-interval", "999"}};
    for (const auto& args : bad) {
        INFO(args[0] << " " << args[1]);
        CHECK_THROWS_WITH(probe_args(args),
                          Catch::Contains(std::string(args[0]) + " must be between"));
    }
    CHECK(probe_args({"--port", "65535"}).settings->port == 65535);
}

TEST_CASE("the accept check runs once a second by default, bounded by the query timeout",
          "[probe][options]") {
    const auto defaults = probe_args({});
    REQUIRE(defaults.settings);
    CHECK(defaults.settings->accept.timing.interval == std::chrono::milliseconds(1000));
    CHECK(defaults.settings->accept.timing.timeout == std::chrono::milliseconds(2000));
    CHECK(defaults.settings->accept.conninfo == "host=x");

    const auto tuned = probe_args({"--accept-check-interval", "5000", "--query-timeout", "700"});
    CHECK(tuned.settings->accept.timing.interval == std::chrono::milliseconds(5000));
    CHECK(tuned.settings->accept.timing.timeout == std::chrono::milliseconds(700));
}

TEST_CASE("the accept check interval is read from pgwarden.ini's [probe] section",
          "[probe][options]") {
    pgwarden::test::TempDir dir;
    const auto ini = dir.write("pgwarden.ini", "[probe]\naccept_check_interval = 3000\n");
    std::vector<const char*> args = {"pgwarden-probe", "--ini", ini.c_str(), "--conninfo",
                                     "host=x"};
    const auto parsed = parse_command_line(static_cast<int>(args.size()), args.data());
    REQUIRE(parsed.settings);
    CHECK(parsed.settings->accept.timing.interval == std::chrono::milliseconds(3000));
}

TEST_CASE("connection limits and the allow list come from the command line or pgwarden.ini",
          "[probe][options]") {
    const auto defaults = probe_args({});
    REQUIRE(defaults.settings);
    const auto& limits = defaults.settings->limits;
    CHECK(limits.admission.max_connections == 512);
    CHECK(limits.admission.max_connections_per_source == 64);
    CHECK(limits.admission.allow.empty());
    CHECK(limits.keep_alive.max_requests == 100);
    CHECK(limits.keep_alive.max_age == std::chrono::milliseconds(60000));

    const auto given =
        probe_args({"--max-connections-per-source", "8", "--allow", "10.0.0.0/8, ::1",
                    "--max-requests-per-connection", "5", "--max-connection-age", "1000"});
    REQUIRE(given.settings);
    CHECK(given.settings->limits.admission.max_connections_per_source == 8);
    CHECK(given.settings->limits.admission.allow.size() == 2);
    CHECK(given.settings->limits.keep_alive.max_requests == 5);
    CHECK(given.settings->limits.keep_alive.max_age == std::chrono::milliseconds(1000));
    CHECK_THROWS_WITH(probe_args({"--allow", "10.0.0.0/8,haproxy1"}),
                      Catch::Contains("--allow: \"haproxy1\" is not an address"));
    CHECK_THROWS_WITH(probe_args({"--max-connections-per-source", "0"}),
                      Catch::Contains("must be between"));

    pgwarden::test::TempDir dir;
    const auto ini = dir.write("pgwarden.ini",
                               "[probe]\nallow = 192.0.2.0/24\nmax-connections-per-source = 3\n");
    std::vector<const char*> args = {"pgwarden-probe", "--ini", ini.c_str(), "--conninfo",
                                     "host=x"};
    const auto from_ini = parse_command_line(static_cast<int>(args.size()), args.data());
    REQUIRE(from_ini.settings);
    CHECK(from_ini.settings->limits.admission.allow.size() == 1);
    CHECK(from_ini.settings->limits.admission.max_connections_per_source == 3);
}

TEST_CASE("the probe reads its conninfo from --conninfo-file, keeping a password out of ps",
          "[probe][options]") {
    pgwarden::test::TempDir dir("conninfo");
    const std::string file = dir.write("conninfo", "host=db password=s3cret\n");
    std::vector<const char*> args = {"pgwarden-probe", "--ini", "/dev/null", "--conninfo-file",
                                     file.c_str()};
    const auto parsed = parse_command_line(static_cast<int>(args.size()), args.data());
    REQUIRE(parsed.settings);
    CHECK(parsed.settings->checker.conninfo == "host=db password=s3cret");
    CHECK(parsed.settings->accept.conninfo == "host=db password=s3cret");

    CHECK_THROWS_WITH(probe_args({"--conninfo-file", file.c_str()}),
                      "give --conninfo or --conninfo-file, not both");
    const std::string missing = dir.path("missing");
    std::vector<const char*> bad = {"pgwarden-probe", "--ini", "/dev/null", "--conninfo-file",
                                    missing.c_str()};
    CHECK_THROWS_WITH(parse_command_line(static_cast<int>(bad.size()), bad.data()),
                      Catch::StartsWith(missing + ": could not read the conninfo file: No such "
                                                  "file or directory"));
    const std::string empty = dir.write("empty", "\n");
    bad[4] = empty.c_str();
    CHECK_THROWS_WITH(parse_command_line(static_cast<int>(bad.size()), bad.data()),
                      Catch::Contains("the file is empty"));
}
