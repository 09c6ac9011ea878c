// Child processes for tests: a bounded run-and-capture, and an RAII background process.
// Every child gets its own process group, so a signal aimed at it never reaches the test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <optional>
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

// A background process whose stdout and stderr are appended to `log_file`. The destructor stops
// it (SIGTERM, then SIGKILL after a short grace) and never throws.
class ChildProcess {
  public:
    ChildProcess() = default;
    ChildProcess(std::vector<std::string> argv, std::string log_file, bool as_postgres = false);
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    const std::string& log_file() const { return log_file_; }
    std::string log_contents() const;

    // True while the process has not exited (reaps it if it just did).
    bool running();
    // The exit status (as CommandResult::exit_code) once the process has exited.
    std::optional<int> exit_status();

    // Sends `signal` to the process group, waits up to `grace`, then SIGKILLs it; returns the
    // exit status. A no-op returning the known status when the process already exited.
    int stop(int signal = SIGTERM,
             std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) noexcept;
    // Waits for the process to exit on its own; throws with the log's tail after `timeout`.
    int wait_exit(std::chrono::milliseconds timeout);

  private:
    bool poll_exit(bool block_briefly);

    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string log_file_;
    std::string command_;
};

// When the test runs as root, makes `path` owned by the postgres OS user (and its group), as
// files PostgreSQL must write or delete need to be; a no-op otherwise. Throws on failure.
void give_to_postgres(const std::string& path);

// For processes we started but cannot waitpid() on directly (a postmaster started by pg_ctl,
// orphaned and re-parented): reaps `pid` if it became our child, and reports whether it is gone
// (no such process, or a zombie some other parent has yet to reap).
bool process_gone(pid_t pid);

// Direct children of `pid`, read from /proc (used before SIGKILLing a postmaster, whose
// children must be waited for too).
std::vector<pid_t> children_of(pid_t pid);

// Makes this process adopt orphaned descendants (PR_SET_CHILD_SUBREAPER), so a postmaster left
// by pg_ctl can be reaped and waited for here instead of lingering as a zombie under a container
// init that never reaps. Idempotent.
void become_subreaper();

// The last `lines` lines of a text file ("" when unreadable): for failure messages.
std::string tail_file(const std::string& path, std::size_t lines = 30);

// `argv` joined with shell-style quoting, for messages.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace pgwarden::test
