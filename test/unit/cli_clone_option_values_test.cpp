// standby clone's option values checked when the command line is read, before a clone of hours
// writes them into the new standby's configuration.
#include "cli_options.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgwarden::cli;

namespace {

std::string command_line_error_of(std::vector<const char*> args) {
    args.insert(args.begin(), "pgwarden");
    try {
        parse_cli_options(static_cast<int>(args.size()), args.data());
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("clone's --recovery-min-apply-delay takes repmgr's durations and refuses anything else") {
    for (const char* good : {"--recovery-min-apply-delay=0", "--recovery-min-apply-delay=300",
                             "--recovery-min-apply-delay=5min", "--recovery-min-apply-delay=2h",
                             "--recovery-min-apply-delay=1d", "--recovery-min-apply-delay=500ms"}) {
        INFO(good);
        CHECK(command_line_error_of({"standby", "clone", good}) == "(accepted)");
    }
    CHECK(command_line_error_of({"standby", "clone", "--recovery-min-apply-delay=5mins"})
              .find("invalid value provided for \"--recovery-min-apply-delay\": \"5mins\"") == 0);
    CHECK(command_line_error_of({"standby", "clone", "--recovery-min-apply-delay=-1"})
              .find("--recovery-min-apply-delay") != std::string::npos);
    CHECK(command_line_error_of({"standby", "clone", "--recovery-min-apply-delay", ""}) ==
          "--recovery-min-apply-delay needs a value");
}

TEST_CASE("clone's --upstream-conninfo must be a conninfo libpq can read") {
    CHECK(command_line_error_of(
              {"standby", "clone", "--upstream-conninfo=host=node1 port=5432 user=repmgr"}) ==
          "(accepted)");
    CHECK(command_line_error_of({"standby", "clone", "--upstream-conninfo=host='node1"})
              .find("invalid --upstream-conninfo: ") == 0);
    CHECK(command_line_error_of({"standby", "clone", "--upstream-conninfo=host=node1 colour=blue"})
              .find("invalid --upstream-conninfo: ") == 0);
    CHECK(command_line_error_of({"standby", "clone", "--upstream-conninfo", ""}) ==
          "--upstream-conninfo needs a conninfo string");
}
