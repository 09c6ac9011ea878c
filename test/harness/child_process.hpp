// An RAII background process for tests, its output appended to a log file; stopped (its whole
// process group) when it goes out of scope.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::test {

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

}  // namespace pgwarden::test
