// ChildProcess: spawned with its output on a log file, stopped by process group.
#include "child_process.hpp"

#include "exec/shell.hpp"
#include "log_file.hpp"
#include "spawn.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

namespace pgwarden::test {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_file, bool as_postgres)
    : log_file_(std::move(log_file)), command_(quote_command(argv)) {
    int fd = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error(fmt::format("could not open log file \"{}\" for `{}`: {}",
                                             log_file_, command_, std::strerror(errno)));
    SpawnPlan plan{std::move(argv), {}, identity_for(as_postgres), fd, fd};
    plan.env = environment_for(plan.identity);
    try {
        pid_ = spawn(std::move(plan));
    } catch (...) {
        close(fd);
        throw;
    }
    close(fd);
}

ChildProcess::~ChildProcess() {
    stop();
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      status_(other.status_),
      log_file_(std::move(other.log_file_)),
      command_(std::move(other.command_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        stop();
        pid_ = std::exchange(other.pid_, -1);
        status_ = other.status_;
        log_file_ = std::move(other.log_file_);
        command_ = std::move(other.command_);
    }
    return *this;
}

std::string ChildProcess::log_contents() const {
    return file_contents(log_file_);
}

bool ChildProcess::poll_exit(bool block_briefly) {
    if (pid_ < 0 || status_)
        return true;
    int st;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == 0 && block_briefly) {
        std::this_thread::sleep_for(kPollStep);
        r = waitpid(pid_, &st, WNOHANG);
    }
    if (r == pid_) {
        status_ = exec::exit_code_of(st);
        return true;
    }
    return r < 0 && errno == ECHILD;  // reaped elsewhere: treat as gone
}

bool ChildProcess::running() {
    return !poll_exit(false);
}

std::optional<int> ChildProcess::exit_status() {
    poll_exit(false);
    return status_;
}

int ChildProcess::stop(int signal, milliseconds grace) noexcept {
    if (pid_ < 0)
        return -1;
    if (status_)
        return *status_;
    // Signals go to the process group (its id is our child's pid, reserved until we reap it),
    // so a wrapper script takes its children down with it.
    if (kill(-pid_, signal) != 0)
        kill(pid_, signal);
    auto deadline = Clock::now() + grace;
    while (Clock::now() < deadline) {
        siginfo_t info{};
        // WNOWAIT: see the exit without reaping, so the group id stays ours for the sweep below.
        if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
            break;
        if (info.si_pid == pid_)
            break;
        std::this_thread::sleep_for(kPollStep);
    }
    kill(-pid_, SIGKILL);  // the leader, if it ignored `signal`, and any leftover group members
    status_ = reap_after_kill(pid_);
    if (!status_)
        fmt::print(stderr, "warning: `{}` (pid {}) did not exit after SIGKILL\n", command_, pid_);
    return status_.value_or(-1);
}

int ChildProcess::wait_exit(milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!poll_exit(true)) {
        if (Clock::now() >= deadline)
            throw std::runtime_error(
                fmt::format("`{}` (pid {}) still running after {} ms; last lines of {}:\n{}",
                            command_, pid_, timeout.count(), log_file_, tail_file(log_file_)));
    }
    return status_.value_or(-1);
}

}  // namespace pgwarden::test
