// fork/exec with captured output, deadlines and process groups, for the test harness.
#include "process.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace pgwarden::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After a command exits, how long its output pipes may stay open (held by a grandchild that
// outlived it) before we stop reading.
constexpr milliseconds kDrainAfterExit{200};
constexpr milliseconds kPollStep{10};
// How long a SIGKILLed process may take to disappear before we give up on it (D state).
constexpr milliseconds kKillWait{10000};

// Who `as_postgres` runs as; looked up before fork(), since the child may not allocate.
struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string name;
    std::string home;
};

const Identity& postgres_identity() {
    static const Identity identity = [] {
        Identity id;
        passwd pw{};
        passwd* found = nullptr;
        std::vector<char> buf(16384);
        if (getpwnam_r("postgres", &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
            throw std::runtime_error(
                "the test runs as root but there is no `postgres` OS user to run PostgreSQL as; "
                "install the postgresql package or run the tests as a non-root user");
        id.uid = pw.pw_uid;
        id.gid = pw.pw_gid;
        id.name = pw.pw_name;
        id.home = pw.pw_dir;
        int count = 64;
        id.groups.resize(static_cast<std::size_t>(count));
        if (getgrouplist(pw.pw_name, pw.pw_gid, id.groups.data(), &count) < 0) {
            id.groups.resize(static_cast<std::size_t>(count));
            getgrouplist(pw.pw_name, pw.pw_gid, id.groups.data(), &count);
        }
        id.groups.resize(static_cast<std::size_t>(count));
        return id;
    }();
    return identity;
}

// Everything the child needs, prepared in the parent so the child only makes async-signal-safe
// calls between fork() and exec().
struct SpawnPlan {
    std::vector<std::string> argv;
    std::vector<std::string> env;
    const Identity* identity = nullptr;  // switch to this user, or stay who we are
    int out_fd = -1;
    int err_fd = -1;
};

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (auto& s : strings)
        result.push_back(s.data());
    result.push_back(nullptr);
    return result;
}

std::vector<std::string> environment_for(const Identity* identity) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        if (identity != nullptr && (entry.starts_with("HOME=") || entry.starts_with("USER=") ||
                                    entry.starts_with("LOGNAME=")))
            continue;
        env.emplace_back(entry);
    }
    if (identity != nullptr) {
        env.push_back("HOME=" + identity->home);
        env.push_back("USER=" + identity->name);
        env.push_back("LOGNAME=" + identity->name);
    }
    return env;
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

// Forks and execs; returns the child's pid, or throws if exec failed.
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

const Identity* identity_for(bool as_postgres) {
    return (as_postgres && geteuid() == 0) ? &postgres_identity() : nullptr;
}

int decode_status(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

// Blocks (bounded) until `pid`, already sent SIGKILL, is reaped.
std::optional<int> reap_after_kill(pid_t pid) {
    auto deadline = Clock::now() + kKillWait;
    while (Clock::now() < deadline) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return decode_status(status);
        if (r < 0 && errno != EINTR)
            return std::nullopt;
        std::this_thread::sleep_for(kPollStep);
    }
    return std::nullopt;
}

}  // namespace

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
                status = decode_status(st);
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
    std::ifstream in(log_file_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
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
        status_ = decode_status(st);
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

void give_to_postgres(const std::string& path) {
    const Identity* id = identity_for(true);
    if (id == nullptr)
        return;
    if (chown(path.c_str(), id->uid, id->gid) != 0)
        throw std::runtime_error(
            fmt::format("could not chown \"{}\" to postgres: {}", path, std::strerror(errno)));
}

bool process_gone(pid_t pid) {
    if (pid <= 0)
        return true;
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid)
        return true;
    if (r == 0)
        return false;
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return true;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line))
        return true;
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 >= line.size())
        return false;
    char state = line[close_paren + 2];
    return state == 'Z' || state == 'X';
}

std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> children;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line))
            continue;
        auto close_paren = line.rfind(')');
        if (close_paren == std::string::npos)
            continue;
        std::istringstream rest(line.substr(close_paren + 1));
        char state;
        long ppid = 0;
        if (rest >> state >> ppid && ppid == pid)
            children.push_back(std::stoi(name));
    }
    return children;
}

void become_subreaper() {
    static const bool done = [] {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        return true;
    }();
    (void)done;
}

std::string tail_file(const std::string& path, std::size_t lines) {
    std::ifstream in(path);
    if (!in)
        return "";
    std::deque<std::string> kept;
    std::string line;
    while (std::getline(in, line)) {
        kept.push_back(std::move(line));
        if (kept.size() > lines)
            kept.pop_front();
    }
    std::string out;
    for (const auto& l : kept)
        out += l + '\n';
    return out;
}

}  // namespace pgwarden::test
