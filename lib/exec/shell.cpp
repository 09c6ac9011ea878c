#include "exec/shell.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace pgwarden::exec {
namespace {

using Clock = std::chrono::steady_clock;

// Closes an fd exactly once.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
    void reset() {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
};

void log_lines(std::string& pending, log::Level level, bool flush_all) {
    std::size_t start = 0;
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
        log::write(level, std::string_view(pending).substr(start, nl - start));
        start = nl + 1;
    }
    pending.erase(0, start);
    if (flush_all && !pending.empty()) {
        log::write(level, pending);
        pending.clear();
    }
}

int decode_status(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

CommandOutcome run_shell(const std::string& command, std::chrono::milliseconds timeout,
                         log::Level output_level) {
    CommandOutcome outcome;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        outcome.error = fmt::format("could not create a pipe: {}", std::strerror(errno));
        return outcome;
    }
    Fd read_end{fds[0]};
    Fd write_end{fds[1]};

    const pid_t pid = ::fork();
    if (pid < 0) {
        outcome.error = fmt::format("could not fork: {}", std::strerror(errno));
        return outcome;
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::dup2(write_end.fd, STDOUT_FILENO);
        ::dup2(write_end.fd, STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            ::dup2(devnull, STDIN_FILENO);
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Both sides set the group, so a kill right after fork cannot miss it.
    ::setpgid(pid, pid);
    write_end.reset();

    const auto deadline = Clock::now() + timeout;
    // Zero until SIGTERM was sent; then when SIGKILL follows.
    Clock::time_point kill_at{};
    bool killed = false;
    std::string pending;
    char buffer[4096];
    bool eof = false;
    int status = 0;
    bool reaped = false;

    while (!reaped) {
        const auto now = Clock::now();
        if (!outcome.timed_out && now >= deadline) {
            outcome.timed_out = true;
            ::kill(-pid, SIGTERM);
            kill_at = now + k_kill_grace;
        }
        if (outcome.timed_out && !killed && now >= kill_at) {
            ::kill(-pid, SIGKILL);
            killed = true;
        }
        const auto until = outcome.timed_out ? (killed ? now : kill_at) : deadline;
        auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
        // Short steps once the pipe is closed or the group is being killed: only waitpid tells
        // us the end.
        wait_ms = std::clamp<long long>(wait_ms, 0, (eof || outcome.timed_out) ? 20 : 1000);
        if (wait_ms == 0)
            wait_ms = 5;

        if (!eof) {
            pollfd pfd{read_end.fd, POLLIN, 0};
            const int ready = ::poll(&pfd, 1, static_cast<int>(wait_ms));
            if (ready > 0) {
                const ssize_t n = ::read(read_end.fd, buffer, sizeof buffer);
                if (n > 0) {
                    outcome.output.append(buffer, static_cast<std::size_t>(n));
                    pending.append(buffer, static_cast<std::size_t>(n));
                    log_lines(pending, output_level, false);
                } else if (n == 0 || errno != EINTR) {
                    eof = true;
                }
            }
        } else {
            ::usleep(static_cast<useconds_t>(wait_ms) * 1000);
        }
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
            reaped = true;
    }
    // A background grandchild may still hold the pipe; read only what is already there.
    for (;;) {
        pollfd pfd{read_end.fd, POLLIN, 0};
        if (eof || ::poll(&pfd, 1, 0) <= 0)
            break;
        const ssize_t n = ::read(read_end.fd, buffer, sizeof buffer);
        if (n <= 0)
            break;
        outcome.output.append(buffer, static_cast<std::size_t>(n));
        pending.append(buffer, static_cast<std::size_t>(n));
    }
    log_lines(pending, output_level, true);
    outcome.exit_code = decode_status(status);
    return outcome;
}

}  // namespace pgwarden::exec
