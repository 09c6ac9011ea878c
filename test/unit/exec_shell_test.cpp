// run_shell: exit codes, captured output, and the time limit that kills the whole group.
#include "exec/shell.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace pgwarden::exec;
using namespace std::chrono_literals;

TEST_CASE("a command's exit code and output are returned", "[exec]") {
    const auto outcome = run_shell("echo out; echo err >&2; exit 3", 5s);
    CHECK(outcome.exit_code == 3);
    CHECK_FALSE(outcome.timed_out);
    CHECK_FALSE(outcome.ok());
    CHECK(outcome.output.find("out\n") != std::string::npos);
    CHECK(outcome.output.find("err\n") != std::string::npos);
}

TEST_CASE("a successful command is ok", "[exec]") {
    const auto outcome = run_shell("true", 5s);
    CHECK(outcome.ok());
    CHECK(outcome.exit_code == 0);
}

TEST_CASE("a command past its time limit is killed with its children", "[exec]") {
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = run_shell("sleep 30 & sleep 30; echo never", 300ms);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(outcome.timed_out);
    CHECK_FALSE(outcome.ok());
    CHECK(outcome.output.find("never") == std::string::npos);
    CHECK(took < 5s);
}

TEST_CASE("a command ignoring SIGTERM is killed after the grace period", "[exec]") {
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = run_shell("trap '' TERM; sleep 30", 200ms);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(outcome.timed_out);
    CHECK(outcome.exit_code == 128 + 9);
    CHECK(took < k_kill_grace + 3s);
}
