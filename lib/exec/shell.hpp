// Running a configured command (promote, follow, event notification, service_*) through
// /bin/sh -c with a time limit; its output goes to the log, line by line.
#pragma once

#include "log/log.hpp"

#include <chrono>
#include <string>

namespace pgwarden::exec {

// How long a command may take when the caller has no setting for it.
inline constexpr std::chrono::seconds k_default_command_timeout{60};
// After SIGTERM at the time limit, how long the command's process group has before SIGKILL.
inline constexpr std::chrono::milliseconds k_kill_grace{2000};

struct CommandOutcome {
    int exit_code = -1;      // the shell's exit status; 128+N when killed by signal N; -1: not run
    bool timed_out = false;  // killed at the time limit
    std::string output;      // stdout and stderr, interleaved as written
    std::string error;       // why it could not be run (fork/pipe failure), empty otherwise

    bool ok() const { return exit_code == 0 && !timed_out && error.empty(); }
};

// Runs `command` with /bin/sh -c in its own process group; on timeout the whole group gets
// SIGTERM, then SIGKILL after k_kill_grace. Each output line is logged at `output_level`.
// Never throws.
CommandOutcome run_shell(const std::string& command,
                         std::chrono::milliseconds timeout = k_default_command_timeout,
                         log::Level output_level = log::Level::info);

}  // namespace pgwarden::exec
