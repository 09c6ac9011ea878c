// repmgr-shaped log lines: DETAIL and HINT lines, and passwords never written.
#include "log/log.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

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
