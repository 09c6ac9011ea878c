// run_command: both pipes read until the command exits (or its deadline kills it), then drained
// briefly in case a grandchild still holds them.
#include "run_command.hpp"

#include "exec/shell.hpp"
#include "spawn.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <optional>
#include <stdexcept>
#include <utility>

namespace pgwarden::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After a command exits, how long its output pipes may stay open (held by a grandchild that
// outlived it) before we stop reading.
constexpr milliseconds kDrainAfterExit{200};

}  // namespace

std::string CommandResult::describe() const {
    auto trim = [](std::string s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
            s.pop_back();
        return s;
    };
    std::string what = timed_out ? std::string("timed out and was killed")
                                 : fmt::format("exited with {}", exit_code);
    std::string detail = trim(err).empty() ? trim(out) : trim(err);
    return fmt::format("`{}` {}{}{}", command, what, detail.empty() ? "" : ": ", detail);
}

CommandResult run_command(std::vector<std::string> argv, milliseconds timeout, bool as_postgres) {
    CommandResult result;
    result.command = quote_command(argv);
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        throw std::runtime_error("pipe2 failed");
    }
    SpawnPlan plan{std::move(argv), {}, identity_for(as_postgres), out_pipe[1], err_pipe[1]};
    plan.env = environment_for(plan.identity);
    pid_t pid;
    try {
        pid = spawn(std::move(plan));
    } catch (...) {
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            close(fd);
        throw;
    }
    close(out_pipe[1]);
    close(err_pipe[1]);

    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    const auto deadline = Clock::now() + timeout;
    std::optional<Clock::time_point> drain_until;
    std::optional<int> status;
    char buf[8192];
    for (;;) {
        if (!status) {
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                status = exec::exit_code_of(st);
                drain_until = std::min(deadline, Clock::now()) + kDrainAfterExit;
            }
        }
        bool open = fds[0].fd >= 0 || fds[1].fd >= 0;
        auto now = Clock::now();
        if (status && (!open || now >= *drain_until))
            break;
        if (!status && now >= deadline) {
            kill(-pid, SIGKILL);
            result.timed_out = true;
            status = reap_after_kill(pid);
            if (!status)
                status = -1;
            drain_until = Clock::now() + kDrainAfterExit;
            continue;
        }
        auto wait = std::min<milliseconds>(
            kPollStep, std::chrono::duration_cast<milliseconds>((status ? *drain_until : deadline) -
                                                                now + milliseconds(1)));
        if (poll(fds, 2, static_cast<int>(std::max<milliseconds::rep>(wait.count(), 0))) <= 0)
            continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;  // poll() ignores negative descriptors
            }
        }
    }
    for (auto& fd : fds)
        if (fd.fd >= 0)
            close(fd.fd);
    result.exit_code = result.timed_out ? kExitTimedOut : *status;
    return result;
}

CommandResult run_checked(std::vector<std::string> argv, milliseconds timeout, bool as_postgres) {
    auto result = run_command(std::move(argv), timeout, as_postgres);
    if (!result.ok())
        throw std::runtime_error(result.describe());
    return result;
}

}  // namespace pgwarden::test
