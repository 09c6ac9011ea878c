// run_shell: exit codes, captured and logged output, and the time limit that kills the whole
// group and reaps it.
#include "exec/shell.hpp"
#include "temp_dir.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <signal.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

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

// The commands below sleep 30 s unless killed: finishing well before that proves the kill,
// with room for a loaded machine (a tighter bound measured the machine, not the code).
constexpr auto kWellBeforeSleepEnds = 20s;

TEST_CASE("a command past its time limit is killed with its children", "[exec]") {
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = run_shell("sleep 30 & sleep 30; echo never", 300ms);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(outcome.timed_out);
    CHECK_FALSE(outcome.ok());
    CHECK(outcome.output.find("never") == std::string::npos);
    CHECK(took < kWellBeforeSleepEnds);
}

TEST_CASE("a command ignoring SIGTERM is killed after the grace period", "[exec]") {
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = run_shell("trap '' TERM; sleep 30", 200ms);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(outcome.timed_out);
    CHECK(outcome.exit_code == 128 + 9);
    CHECK(took < kWellBeforeSleepEnds);
}

namespace {

// A pid we were the parent of is gone for good once kill(pid, 0) finds no such process: a
// zombie still answers it.
bool reaped(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Gone, or a zombie its new parent (not us) has yet to reap: nothing left running.
bool not_running(pid_t pid) {
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line))
        return true;
    const auto state = line.substr(line.rfind(')') + 2, 1);
    return state == "Z" || state == "X";
}

// The pid a command printed as its first line.
pid_t first_line_pid(const std::string& output) {
    return static_cast<pid_t>(std::stol(output.substr(0, output.find('\n'))));
}

std::vector<std::string> log_messages(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> messages;
    for (std::string line; std::getline(in, line);)
        messages.push_back(line.substr(line.find("] [INFO] ") + 9));
    return messages;
}

// Sends the log to a file for the scope, and back to stderr after.
struct LogToFile {
    explicit LogToFile(const std::string& path) {
        pgwarden::log::set_style(pgwarden::log::Style::daemon);
        REQUIRE_FALSE(pgwarden::log::open_file(path));
    }
    ~LogToFile() { pgwarden::log::open_file(""); }
};

}  // namespace

TEST_CASE("a command printing 5 MiB keeps only the last 64 KiB and says how much was dropped",
          "[exec]") {
    pgwarden::test::TempDir dir("exec");
    const auto log_path = dir.path("shell.log");
    CommandOutcome outcome;
    {
        LogToFile to_file(log_path);
        // 5 MiB of 'x' without a newline, then a last line we must keep.
        outcome = run_shell("head -c 5242880 /dev/zero | tr '\\0' x; echo; echo the end", 30s);
    }
    constexpr std::size_t printed = 5 * 1024 * 1024 + 1 + 8;
    REQUIRE(outcome.ok());
    CHECK(outcome.output_dropped == printed - kOutputKeptBytes);
    const auto marker = fmt::format("[... {} bytes not kept ...]\n", printed - kOutputKeptBytes);
    CHECK(outcome.output.starts_with(marker));
    CHECK(outcome.output.size() == marker.size() + kOutputKeptBytes);
    CHECK(outcome.output.ends_with("xxxx\nthe end\n"));

    // The long line went to the log in bounded pieces, all of it, then the last line.
    const auto messages = log_messages(log_path);
    REQUIRE(messages.size() == 5242880 / kLogChunkBytes + 1);
    CHECK(std::all_of(messages.begin(), messages.end() - 1,
                      [](const std::string& m) { return m == std::string(kLogChunkBytes, 'x'); }));
    CHECK(messages.back() == "the end");
}

TEST_CASE("short output is kept whole with nothing said about dropping", "[exec]") {
    const auto outcome = run_shell("printf 'a\\nb'", 5s);
    CHECK(outcome.output == "a\nb");
    CHECK(outcome.output_dropped == 0);
}

TEST_CASE("output split across lines and writes is logged line by line in order", "[exec]") {
    pgwarden::test::TempDir dir("exec");
    const auto log_path = dir.path("shell.log");
    {
        LogToFile to_file(log_path);
        run_shell(
            "echo one; printf 'tw'; sleep 0.2; printf 'o\\nthree\\nfo'; sleep 0.2; "
            "printf 'ur'",
            5s);
    }
    CHECK(log_messages(log_path) == std::vector<std::string>{"one", "two", "three", "four"});
}

TEST_CASE("a command ignoring SIGTERM is killed and reaped at its limit, leaving no process",
          "[exec]") {
    const auto start = std::chrono::steady_clock::now();
    // The shell prints its pid, then that of a background child which also ignores SIGTERM.
    const auto outcome = run_shell("trap '' TERM; echo $$; sleep 30 & echo $!; wait", 300ms);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(outcome.timed_out);
    CHECK(outcome.exit_code == 128 + 9);
    CHECK(took >= 300ms + kKillGrace);
    CHECK(took < kWellBeforeSleepEnds);
    const auto shell_pid = first_line_pid(outcome.output);
    const auto child_pid = first_line_pid(outcome.output.substr(outcome.output.find('\n') + 1));
    CHECK(reaped(shell_pid));
    CHECK(not_running(child_pid));
}

TEST_CASE("a shell process left by an exception is killed and reaped", "[exec]") {
    pid_t pid = -1;
    try {
        ShellProcess shell("sleep 30");
        pid = shell.pid();
        REQUIRE(::kill(pid, 0) == 0);
        throw std::runtime_error("the caller failed");
    } catch (const std::runtime_error&) {
    }
    REQUIRE(pid > 0);
    CHECK(reaped(pid));
}

TEST_CASE("a finished command leaves no zombie", "[exec]") {
    const auto outcome = run_shell("echo $$", 5s);
    REQUIRE(outcome.ok());
    CHECK(reaped(first_line_pid(outcome.output)));
}

TEST_CASE("a command does not inherit NOTIFY_SOCKET and gets the variables it is given", "[exec]") {
    ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
    ::setenv("PGWARDEN_EVENT", "from the daemon", 1);
    const auto outcome = run_shell("printf '%s|%s' \"${NOTIFY_SOCKET-unset}\" \"$PGWARDEN_EVENT\"",
                                   5s, pgwarden::log::Level::info, {{"PGWARDEN_EVENT", "ours"}});
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("PGWARDEN_EVENT");
    CHECK(outcome.output == "unset|ours");
}

TEST_CASE("the child environment drops NOTIFY_SOCKET and overridden names only", "[exec]") {
    const char* parent[] = {"PATH=/bin", "NOTIFY_SOCKET=@x", "A=1", "AB=2", nullptr};
    CHECK(child_environment(parent, {{"A", "3"}}) ==
          std::vector<std::string>{"PATH=/bin", "AB=2", "A=3"});
}
