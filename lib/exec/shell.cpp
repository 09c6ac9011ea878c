// run_shell: a /bin/sh child owned by ShellProcess, its output logged as it arrives and its tail
// kept, within the time limit.
#include "exec/shell.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace pgwarden::exec {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kReadBytes = 4096;
constexpr milliseconds kReapStep{10};
// Once the shell is reaped, how long we go on reading what a background grandchild still writes
// to the pipe before we stop listening.
constexpr milliseconds kDrainLimit{200};

// Logs output as it arrives, one log line per output line; a line longer than kLogChunkBytes
// is logged in pieces of that size, so at most one piece plus one read is ever held.
class LineLogger {
  public:
    explicit LineLogger(log::Level level) : level_(level) {}

    void add(std::string_view data) {
        pending_.append(data);
        std::size_t start = 0;
        for (;;) {
            const auto newline = pending_.find('\n', start);
            const auto line_end = newline == std::string::npos ? pending_.size() : newline;
            if (line_end - start > kLogChunkBytes) {
                write(start, kLogChunkBytes);
                start += kLogChunkBytes;
            } else if (newline != std::string::npos) {
                write(start, newline - start);
                start = newline + 1;
            } else {
                break;
            }
        }
        pending_.erase(0, start);
    }

    // The last line, when the command did not end it with a newline.
    void finish() {
        if (!pending_.empty())
            write(0, pending_.size());
        pending_.clear();
    }

  private:
    void write(std::size_t start, std::size_t length) {
        // log::write prints whatever it is given: output asked for at DEBUG stays quiet at INFO.
        if (!log::enabled(level_))
            return;
        log::write(level_, std::string_view(pending_).substr(start, length));
    }

    log::Level level_;
    std::string pending_;
};

// The last kOutputKeptBytes of the output, and how many bytes before them were dropped.
class OutputTail {
  public:
    OutputTail() { kept_.reserve(kOutputKeptBytes); }

    void add(std::string_view data) {
        if (data.size() >= kOutputKeptBytes) {
            dropped_ += kept_.size() + data.size() - kOutputKeptBytes;
            kept_.assign(data.substr(data.size() - kOutputKeptBytes));
            return;
        }
        const std::size_t total = kept_.size() + data.size();
        if (total > kOutputKeptBytes) {
            const std::size_t over = total - kOutputKeptBytes;
            kept_.erase(0, over);
            dropped_ += over;
        }
        kept_.append(data);
    }

    std::size_t dropped() const { return dropped_; }

    std::string take() {
        if (dropped_ == 0)
            return std::move(kept_);
        return fmt::format("[... {} bytes not kept ...]\n", dropped_) + kept_;
    }

  private:
    std::string kept_;
    std::size_t dropped_ = 0;
};

// Reads once from the shell's pipe if something arrives within `wait`; closes the pipe at end
// of file. True when something was read.
bool read_output(ShellProcess& shell, milliseconds wait, LineLogger& logger, OutputTail& tail) {
    pollfd pfd{shell.output_fd(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(wait.count())) <= 0)
        return false;
    char buffer[kReadBytes];
    const ssize_t n = ::read(shell.output_fd(), buffer, sizeof buffer);
    if (n > 0) {
        const std::string_view data(buffer, static_cast<std::size_t>(n));
        tail.add(data);
        logger.add(data);
        return true;
    }
    if (n == 0 || errno != EINTR)
        shell.close_output();
    return false;
}

}  // namespace

int exit_code_of(int wait_status) {
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return -1;
}

std::vector<std::string> child_environment(const char* const* parent, const Environment& extra) {
    std::vector<std::string> out;
    auto overridden = [&extra](std::string_view name) {
        return name == "NOTIFY_SOCKET" ||
               std::any_of(extra.begin(), extra.end(),
                           [name](const auto& variable) { return variable.first == name; });
    };
    for (; parent != nullptr && *parent != nullptr; ++parent) {
        const std::string_view entry(*parent);
        if (!overridden(entry.substr(0, entry.find('='))))
            out.emplace_back(entry);
    }
    for (const auto& [name, value] : extra)
        out.push_back(name + "=" + value);
    return out;
}

ShellProcess::ShellProcess(const std::string& command, const Environment& environment) {
    // Built before fork: the child may only make async-signal-safe calls.
    const auto variables = child_environment(environ, environment);
    std::vector<char*> envp;
    envp.reserve(variables.size() + 1);
    for (const auto& variable : variables)
        envp.push_back(const_cast<char*>(variable.c_str()));
    envp.push_back(nullptr);
    const char* const argv[] = {"sh", "-c", command.c_str(), nullptr};
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw std::runtime_error(fmt::format("could not create a pipe: {}", std::strerror(errno)));
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int fork_errno = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::runtime_error(fmt::format("could not fork: {}", std::strerror(fork_errno)));
    }
    if (pid == 0) {
        // Only async-signal-safe calls until exec: the daemon has other threads.
        ::setpgid(0, 0);
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
            if (devnull > STDERR_FILENO)
                ::close(devnull);
        }
        ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
        ::_exit(127);
    }
    // Both sides set the group, so a kill right after fork cannot miss it.
    ::setpgid(pid, pid);
    ::close(fds[1]);
    pid_ = pid;
    output_fd_ = fds[0];
}

ShellProcess::~ShellProcess() {
    kill_and_reap();
    close_output();
}

void ShellProcess::close_output() noexcept {
    if (output_fd_ >= 0)
        ::close(output_fd_);
    output_fd_ = -1;
}

void ShellProcess::signal_group(int signal) noexcept {
    // Until the shell is reaped its pid, and so its group id, cannot be reused.
    if (!exit_code_)
        ::kill(-pid_, signal);
}

bool ShellProcess::try_reap() noexcept {
    if (exit_code_)
        return true;
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_)
        exit_code_ = exit_code_of(status);
    else if (done < 0 && errno == ECHILD)
        exit_code_ = -1;  // reaped elsewhere (SIGCHLD ignored): gone, status unknown
    return exit_code_.has_value();
}

bool ShellProcess::kill_and_reap() noexcept {
    if (try_reap())
        return true;
    if (given_up_)
        return false;
    signal_group(SIGKILL);
    const auto until = Clock::now() + kReapLimit;
    while (!try_reap()) {
        if (Clock::now() >= until) {
            given_up_ = true;
            return false;
        }
        std::this_thread::sleep_for(kReapStep);
    }
    return true;
}

CommandOutcome run_shell(const ExpandedCommand& command, milliseconds timeout,
                         log::Level output_level) {
    return run_shell(command.command, timeout, output_level, command.environment);
}

CommandOutcome run_shell(const std::string& command, milliseconds timeout, log::Level output_level,
                         const Environment& environment) {
    CommandOutcome outcome;
    OutputTail tail;
    try {
        ShellProcess shell(command, environment);
        LineLogger logger(output_level);
        const auto deadline = Clock::now() + timeout;
        std::optional<Clock::time_point> kill_at;  // set when SIGTERM was sent
        while (!shell.try_reap()) {
            const auto now = Clock::now();
            if (!kill_at && now >= deadline) {
                outcome.timed_out = true;
                shell.signal_group(SIGTERM);
                kill_at = now + kKillGrace;
            }
            if (kill_at && now >= *kill_at) {
                if (!shell.kill_and_reap())
                    outcome.error =
                        fmt::format("the command (pid {}) did not exit within {} ms of SIGKILL",
                                    shell.pid(), kReapLimit.count());
                break;
            }
            // Short steps once the pipe is closed or the group is being killed: only waitpid
            // tells us the end.
            const bool short_steps = shell.output_fd() < 0 || kill_at.has_value();
            const auto wait = std::clamp(
                std::chrono::duration_cast<milliseconds>(kill_at.value_or(deadline) - now),
                milliseconds(1), milliseconds(short_steps ? 20 : 1000));
            if (shell.output_fd() >= 0)
                read_output(shell, wait, logger, tail);
            else
                std::this_thread::sleep_for(wait);
        }
        // A background grandchild may still hold the pipe; read only what is already there.
        const auto drain_until = Clock::now() + kDrainLimit;
        while (shell.output_fd() >= 0 && Clock::now() < drain_until &&
               read_output(shell, milliseconds(0), logger, tail)) {
        }
        logger.finish();
        outcome.exit_code = shell.exit_code().value_or(-1);
    } catch (const std::exception& e) {
        // The shell, if it was started, is already killed and reaped by ShellProcess.
        outcome.error = e.what();
    }
    outcome.output_dropped = tail.dropped();
    outcome.output = tail.take();
    return outcome;
}

}  // namespace pgwarden::exec
