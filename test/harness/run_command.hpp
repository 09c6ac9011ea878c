// Running a command to its end, bounded, with its stdout and stderr captured.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace pgwarden::test {

// Exit code reported when run_command killed the command at its deadline (as timeout(1) does).
constexpr int kExitTimedOut = 124;

struct CommandResult {
    int exit_code = -1;      // exit status; 128+N when killed by signal N; kExitTimedOut on timeout
    bool timed_out = false;  // the deadline passed and the command's process group was killed
    std::string out;         // everything written to stdout
    std::string err;         // everything written to stderr
    std::string command;     // the command line, quoted, for messages

    bool ok() const { return exit_code == 0 && !timed_out; }
    // "`cmd` exited with 1: <stderr>" — for exception messages and Catch's INFO.
    std::string describe() const;
};

// Runs argv (argv[0] looked up in PATH) with stdin from /dev/null, waits at most `timeout`,
// then SIGKILLs the command's process group. With as_postgres, the command runs as the
// `postgres` OS user when the test runs as root (PostgreSQL refuses root), and unchanged
// otherwise. Throws only when the command cannot be started at all.
CommandResult run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                          bool as_postgres = false);

// Like run_command but throws std::runtime_error with describe() unless the command succeeded.
CommandResult run_checked(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                          bool as_postgres = false);

}  // namespace pgwarden::test
