// Running a configured command (promote, follow, event notification, service_*) through
// /bin/sh -c with a time limit; its output goes to the log, line by line.
#pragma once

#include "exec/placeholders.hpp"
#include "log/log.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::exec {

// How long a command may take when the caller has no setting for it.
inline constexpr std::chrono::seconds kDefaultCommandTimeout{60};
// After SIGTERM at the time limit, how long the command's process group has before SIGKILL.
inline constexpr std::chrono::milliseconds kKillGrace{2000};
// After SIGKILL, how long we wait for the shell to be reaped before giving up on it: a process
// stuck in uninterruptible sleep must not hang the daemon mid-failover.
inline constexpr std::chrono::milliseconds kReapLimit{5000};
// How much of a command's output CommandOutcome::output keeps (its end): a chatty promote
// command must not fill the daemon's memory. Everything is logged as it arrives regardless.
inline constexpr std::size_t kOutputKeptBytes = 64 * 1024;
// A line longer than this is logged in pieces of this size, so output without newlines is never
// held whole waiting for one.
inline constexpr std::size_t kLogChunkBytes = 4096;

struct CommandOutcome {
    int exit_code = -1;      // the shell's exit status; 128+N when killed by signal N; -1: not run
    bool timed_out = false;  // killed at the time limit
    // stdout and stderr, interleaved as written; only the last kOutputKeptBytes, then
    // starting with "[... N bytes not kept ...]\n".
    std::string output;
    std::size_t output_dropped = 0;  // bytes of output not kept (the N above)
    std::string error;  // why it could not be run or reaped (pipe, fork), empty otherwise

    bool ok() const { return exit_code == 0 && !timed_out && error.empty(); }
};

// Runs `command` with /bin/sh -c in its own process group; on timeout the whole group gets
// SIGTERM, then SIGKILL after kKillGrace. Each output line is logged at `output_level` as it
// arrives. Never throws; the shell is killed and reaped on every way out.
CommandOutcome run_shell(const std::string& command,
                         std::chrono::milliseconds timeout = kDefaultCommandTimeout,
                         log::Level output_level = log::Level::info,
                         const Environment& environment = {});
// An expanded command with the variables that carry its placeholders' values.
CommandOutcome run_shell(const ExpandedCommand& command,
                         std::chrono::milliseconds timeout = kDefaultCommandTimeout,
                         log::Level output_level = log::Level::info);

// What a command is run with: the daemon's environment without what belongs to the daemon alone
// (NOTIFY_SOCKET: a child must not speak to systemd for us), with `extra` set on top.
std::vector<std::string> child_environment(const char* const* parent, const Environment& extra);

// A waitpid() status as an exit code: the exit status, or 128+N when killed by signal N (as a
// shell reports it); -1 for anything else.
int exit_code_of(int wait_status);

// A running `/bin/sh -c command` in its own process group, stdin from /dev/null, stdout and
// stderr on one pipe, its environment child_environment(environ, environment). Until the shell is
// reaped, the destructor SIGKILLs the whole group and reaps the shell (waiting at most kReapLimit),
// so no way out of a caller, early return or exception, leaves a command running or a zombie
// behind.
class ShellProcess {
  public:
    // Throws std::runtime_error when the pipe or the fork fails.
    explicit ShellProcess(const std::string& command, const Environment& environment = {});
    ~ShellProcess();
    ShellProcess(const ShellProcess&) = delete;
    ShellProcess& operator=(const ShellProcess&) = delete;

    pid_t pid() const { return pid_; }
    // The read end of the output pipe; -1 once closed.
    int output_fd() const { return output_fd_; }
    void close_output() noexcept;

    // Sends `signal` to the shell's process group; a no-op once the shell is reaped (its group
    // id may then belong to someone else).
    void signal_group(int signal) noexcept;
    // Reaps the shell if it exited; true once it is reaped.
    bool try_reap() noexcept;
    // SIGKILLs the group and waits up to kReapLimit for the shell; true once it is reaped.
    bool kill_and_reap() noexcept;
    // As CommandOutcome::exit_code, once reaped.
    std::optional<int> exit_code() const { return exit_code_; }

  private:
    pid_t pid_ = -1;
    int output_fd_ = -1;
    std::optional<int> exit_code_;
    bool given_up_ = false;  // kill_and_reap() ran out of time: do not wait again
};

}  // namespace pgwarden::exec
