// fork/exec for the harness: a child in its own process group, with its output where the plan
// says, as the user the plan says; and reaping it. Used by run_command and ChildProcess.
#pragma once

#include "postgres_user.hpp"

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::test {

// How often the harness polls a child (waitpid WNOHANG, pipes).
inline constexpr std::chrono::milliseconds kPollStep{10};

// Everything the child needs, prepared in the parent so the child only makes async-signal-safe
// calls between fork() and exec().
struct SpawnPlan {
    std::vector<std::string> argv;
    std::vector<std::string> env;
    const Identity* identity = nullptr;  // switch to this user, or stay who we are
    int out_fd = -1;
    int err_fd = -1;
};

// Forks and execs argv (argv[0] looked up in PATH) with stdin from /dev/null, in a process group
// of its own; returns the child's pid, or throws if exec failed.
pid_t spawn(SpawnPlan plan);

// Blocks (bounded) until `pid`, already sent SIGKILL, is reaped; its exit code, or nothing when
// it would not go (D state) or is not our child.
std::optional<int> reap_after_kill(pid_t pid);

// `argv` joined with shell-style quoting, for messages.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace pgwarden::test
