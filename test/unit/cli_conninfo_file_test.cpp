// --conninfo-file: -d's conninfo read from a file (keeps a password out of ps), and the reader
// the CLI and the probe share.
#include "cli_options.hpp"
#include "command_lines.hpp"
#include "config/config_error.hpp"
#include "config/conninfo_file.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using pgwarden::cli::parse_cli_options;
using pgwarden::config::read_conninfo_file;

namespace {

using pgwarden::test::pgwarden_args;

}  // namespace

TEST_CASE("the CLI reads the conninfo of -d from --conninfo-file", "[cli]") {
    pgwarden::test::TempDir dir("conninfo");
    const std::string file = dir.write("conninfo", "host=node1 user=repmgr password='a b'\n\n");
    const auto options = pgwarden_args({"node", "rejoin", "--conninfo-file", file.c_str()});
    REQUIRE(options.dbname);
    CHECK(*options.dbname == "host=node1 user=repmgr password='a b'");
    CHECK_THROWS_WITH(
        pgwarden_args({"node", "rejoin", "-d", "host=x", "--conninfo-file", file.c_str()}),
        "give -d/--dbname or --conninfo-file, not both");
}

TEST_CASE("a conninfo file keeps its inner lines and must be a non-empty regular file",
          "[config]") {
    pgwarden::test::TempDir dir("conninfo");
    CHECK(read_conninfo_file(dir.write("two-lines", "host=a\nport=5433 \t\r\n")) ==
          "host=a\nport=5433");
    for (const auto& [path, reason] : std::vector<std::pair<std::string, std::string>>{
             {dir.write("empty", " \n"), "the file is empty"},
             {dir.path(), "not a regular file"},
             {dir.path("missing"), "No such file or directory"},
             {dir.write("big", std::string(pgwarden::config::kMaxConninfoFileBytes + 1, 'x')),
              "larger than 65536 bytes"}}) {
        INFO(path);
        CHECK_THROWS_WITH(
            read_conninfo_file(path),
            Catch::StartsWith(path + ": could not read the conninfo file: " + reason));
    }
}
