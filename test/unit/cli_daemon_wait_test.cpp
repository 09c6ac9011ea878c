// daemon start|stop's wait, from repmgr 5.3's spellings of -w/--wait[=SECS], --no-wait and -W.
#include "cli_options.hpp"
#include "command_lines.hpp"
#include "daemon_wait.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgwarden::cli;

namespace {

using pgwarden::test::pgwarden_args;

}  // namespace

TEST_CASE("daemon start waits 15 s unless told a time or not to wait") {
    struct Case {
        std::vector<const char*> args;
        std::optional<int> wait;
    };
    const std::vector<Case> cases = {
        {{"daemon", "start"}, 15},
        {{"daemon", "start", "-w"}, 15},  // repmgr: forever; bounded here
        {{"daemon", "start", "--wait"}, 15},
        {{"daemon", "start", "--wait=3"}, 3},
        {{"daemon", "start", "--wait=0"}, std::nullopt},
        {{"daemon", "start", "--no-wait"}, std::nullopt},
        {{"daemon", "start", "-W"}, std::nullopt},  // repmgr's getopt: -W is --no-wait
        {{"daemon", "stop", "--wait=7", "--no-wait"}, std::nullopt},
    };
    for (const auto& c : cases) {
        INFO(c.args.back());
        CHECK(daemon_wait_seconds(pgwarden_args(c.args)) == c.wait);
    }
}

TEST_CASE("a --wait that is not a number of seconds is refused with repmgr's messages") {
    CHECK_THROWS_WITH(pgwarden_args({"daemon", "start", "--wait=-3"}),
                      "\"--wait\": must be 0 or greater (provided: \"-3\")");
    CHECK_THROWS_WITH(pgwarden_args({"daemon", "start", "--wait=abc"}),
                      "\"--wait\": invalid value (provided: \"abc\")");
}

TEST_CASE("standby follow still reads -W and --wait as waiting for a primary") {
    CHECK(pgwarden_args({"standby", "follow", "-W"}).wait);
    CHECK(pgwarden_args({"standby", "follow", "--wait"}).wait);
    CHECK(pgwarden_args({"standby", "follow", "-w"}).wait);
    CHECK_FALSE(pgwarden_args({"standby", "follow"}).wait);
}
