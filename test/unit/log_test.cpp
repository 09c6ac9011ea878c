// repmgr-shaped log lines: DETAIL and HINT lines, and passwords never written.
#include "log/log.hpp"
#include "exec/shell.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

#include <syslog.h>

using namespace pgwarden;

TEST_CASE("a message with DETAIL and HINT lines is written as labelled lines", "[log]") {
    test::TempDir dir("log");
    const auto path = dir.path() + "/daemon.log";
    REQUIRE_FALSE(log::open_file(path));
    log::set_style(log::Style::daemon);
    log::write(log::Level::error,
               "unable to connect\nDETAIL: host=a password=secret\nHINT: check it");
    log::open_file("");
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line.substr(line.find("] [") + 2));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "[ERROR] unable to connect");
    CHECK(lines[1].starts_with("[DETAIL] host=a password="));
    CHECK(lines[1].find("secret") == std::string::npos);
    CHECK(lines[2] == "[HINT] check it");
}

TEST_CASE("log_facility names map to syslog facilities as repmgr's do", "[log]") {
    CHECK(log::syslog_facility("LOCAL0") == LOG_LOCAL0);
    CHECK(log::syslog_facility("local7") == LOG_LOCAL7);
    CHECK(log::syslog_facility("USER") == LOG_USER);
    CHECK_FALSE(log::syslog_facility("LOCAL8"));
    CHECK_FALSE(log::syslog_facility("STDERR"));
    CHECK_FALSE(log::syslog_facility(""));
}

TEST_CASE("a command the daemon runs does not inherit the log file", "[log]") {
    test::TempDir dir("log");
    const auto path = dir.path("daemon.log");
    REQUIRE_FALSE(log::open_file(path));
    // The fd of the glob's own directory is gone by the time readlink looks: ignore its error.
    const auto outcome =
        exec::run_shell("readlink /proc/$$/fd/*; true", std::chrono::seconds(5), log::Level::debug);
    log::open_file("");
    INFO(outcome.output);
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.output.find("pipe:") != std::string::npos);  // stdout: the listing worked
    CHECK(outcome.output.find(path) == std::string::npos);
}
