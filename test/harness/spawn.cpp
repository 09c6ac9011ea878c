// fork/exec with a process group of its own, a report of what failed before exec, and reaping.
#include "spawn.hpp"

#include "exec/shell.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace pgwarden::test {
namespace {

using Clock = std::chrono::steady_clock;

// How long a SIGKILLed process may take to disappear before we give up on it (D state).
constexpr std::chrono::milliseconds kKillWait{10000};

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (auto& s : strings)
        result.push_back(s.data());
    result.push_back(nullptr);
    return result;
}

// In the child: tells the parent which step failed and with which errno, then exits.
[[noreturn]] void report_and_exit(int report_fd, int stage) {
    int report[2] = {stage, errno};
    [[maybe_unused]] auto n = write(report_fd, report, sizeof report);
    _exit(127);
}

[[noreturn]] void child_after_fork(const SpawnPlan& plan, char* const* argv, char* const* envp,
                                   int report_fd, int devnull) {
    auto fail = [report_fd](int stage) { report_and_exit(report_fd, stage); };
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, nullptr);
    if (dup2(devnull, STDIN_FILENO) < 0 || dup2(plan.out_fd, STDOUT_FILENO) < 0 ||
        dup2(plan.err_fd, STDERR_FILENO) < 0)
        fail(1);
    if (plan.identity != nullptr) {
        if (setgroups(plan.identity->groups.size(), plan.identity->groups.data()) != 0 ||
            setgid(plan.identity->gid) != 0 || setuid(plan.identity->uid) != 0)
            fail(2);
        // The test's working directory (e.g. /root/...) is usually unreadable for postgres, and
        // initdb/pg_ctl fail early when they cannot resolve it.
        if (chdir("/") != 0)
            fail(3);
    }
    // Inherited descriptors (sockets, other children's pipes) would keep them open; only the
    // exec-error pipe (close-on-exec) survives until exec.
    if (report_fd > 3)
        close_range(3, static_cast<unsigned>(report_fd) - 1, 0);
    close_range(static_cast<unsigned>(report_fd) + 1, ~0U, 0);
    execvpe(argv[0], argv, envp);
    report_and_exit(report_fd, 4);
}

}  // namespace

pid_t spawn(SpawnPlan plan) {
    if (plan.argv.empty())
        throw std::invalid_argument("spawn: empty argv");
    auto argv = c_strings(plan.argv);
    auto envp = c_strings(plan.env);
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0)
        throw std::runtime_error(fmt::format("pipe2: {}", std::strerror(errno)));
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(report[0]);
        close(report[1]);
        close(devnull);
        throw std::runtime_error(fmt::format("fork: {}", std::strerror(e)));
    }
    if (pid == 0)
        child_after_fork(plan, argv.data(), envp.data(), report[1], devnull);
    setpgid(pid, pid);  // also here, so a signal sent right after fork() finds the group
    close(report[1]);
    close(devnull);
    int failure[2] = {0, 0};
    ssize_t n;
    do {
        n = read(report[0], failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == static_cast<ssize_t>(sizeof failure)) {
        int status;
        waitpid(pid, &status, 0);
        static constexpr const char* kStages[] = {"", "redirect output", "switch to user postgres",
                                                  "chdir /", "execute"};
        throw std::runtime_error(fmt::format("could not {} for `{}`: {}", kStages[failure[0]],
                                             quote_command(plan.argv), std::strerror(failure[1])));
    }
    return pid;
}

std::optional<int> reap_after_kill(pid_t pid) {
    auto deadline = Clock::now() + kKillWait;
    while (Clock::now() < deadline) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return exec::exit_code_of(status);
        if (r < 0 && errno != EINTR)
            return std::nullopt;
        std::this_thread::sleep_for(kPollStep);
    }
    return std::nullopt;
}

std::string quote_command(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty())
            out += ' ';
        bool plain = !arg.empty() && arg.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyz"
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                         "-_./=:,@%+") == std::string::npos;
        if (plain) {
            out += arg;
            continue;
        }
        out += '\'';
        for (char c : arg)
            out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

}  // namespace pgwarden::test
