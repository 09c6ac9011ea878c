// pgwarden-probe's start-up errors quote the offending configuration line; a password in it is
// masked before it reaches stderr.
#include "binaries.hpp"
#include "process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

using namespace std::chrono_literals;

TEST_CASE("the probe's configuration errors do not print a password", "[probe]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("pgwarden-probe-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string conf = (dir / "repmgr.conf").string();
    // An unterminated quote: the error quotes the rest of the line, password included.
    std::ofstream(conf) << "node_id=1\nnode_name='n1'\n"
                           "conninfo='host=db1 password=Sup3r&Sec\"ret\n";
    const auto result = pgwarden::test::run_command({pgwarden::test::probe_bin(), "-f", conf}, 10s);
    std::filesystem::remove_all(dir);
    INFO(result.describe());
    CHECK_FALSE(result.ok());
    CHECK(result.err.find("unterminated quoted string") != std::string::npos);
    CHECK(result.err.find("password=********") != std::string::npos);
    for (const char* secret : {"Sup3r", "&Sec"}) {
        INFO(secret);
        CHECK(result.err.find(secret) == std::string::npos);
    }
}
