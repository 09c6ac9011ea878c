#include "daemonize.hpp"

#include "daemon_options.hpp"
#include "log/log.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace pgwarden::daemon {

namespace {

// The report on the socket: one tag byte, then for a failure the exit code byte and the message.
constexpr char kTagReady = 'R';
constexpr char kTagFailed = 'F';
// Enough for any start-up error; a longer one is cut, never blocks the daemon for long.
constexpr std::size_t kMaxReport = 64 * 1024;

void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        // MSG_NOSIGNAL: an original process killed meanwhile must not kill the daemon by SIGPIPE.
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;  // nobody is listening any more; nothing better to do
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string failure_report(std::string_view message, int exit_code) {
    const int code = (exit_code >= 1 && exit_code <= 255) ? exit_code : model::kErrBadConfig;
    std::string report;
    report += kTagFailed;
    report += static_cast<char>(static_cast<unsigned char>(code));
    report += message.substr(0, kMaxReport);
    return report;
}

// In the first child: report why we could not go on, and leave.
[[noreturn]] void child_failed(int fd, std::string_view what) {
    send_all(fd, failure_report(fmt::format("pgwardend: could not daemonize: {}: {}", what,
                                            std::system_category().message(errno)),
                                model::kErrSysFailure));
    ::_exit(model::kErrSysFailure);
}

void redirect_to_dev_null(int target, int flags, const char* name) {
    const int fd = ::open("/dev/null", flags | O_CLOEXEC);
    if (fd < 0 || ::dup2(fd, target) < 0) {
        log::warning("could not point {} at /dev/null: {}", name,
                     std::system_category().message(errno));
    }
    if (fd >= 0 && fd != target)
        ::close(fd);
}

}  // namespace

std::filesystem::path daemon_working_directory(const std::string& config_file) {
    const std::filesystem::path parent = std::filesystem::path(config_file).parent_path();
    return parent.empty() ? std::filesystem::path("/") : parent;
}

int wait_for_daemon_report(int read_fd, int err_fd) {
    std::string report;
    char buffer[4096];
    while (report.size() < kMaxReport + 2) {
        const ssize_t n = ::read(read_fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        report.append(buffer, static_cast<std::size_t>(n));
        if (report.front() == kTagReady)
            return model::kSuccess;
    }
    if (report.size() >= 2 && report.front() == kTagFailed) {
        const int code = static_cast<unsigned char>(report[1]);
        std::string message = report.substr(2);
        if (message.empty() || message.back() != '\n')
            message += '\n';
        write_all(err_fd, message);
        return code != 0 ? code : model::kErrBadConfig;
    }
    write_all(err_fd,
              "pgwardend: the daemon exited during start-up without saying why; see its log "
              "(log_file in repmgr.conf, or journalctl)\n");
    return model::kErrBadConfig;
}

void Daemonizer::detach(const std::filesystem::path& working_directory) {
    if (detached())
        throw std::logic_error("Daemonizer::detach() called twice");
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        throw std::system_error(errno, std::system_category(), "daemonize: socketpair()");
    const int read_fd = fds[0];
    const int write_fd = fds[1];

    // Whatever is buffered would otherwise be written once by each process.
    std::fflush(nullptr);
    const pid_t first = ::fork();
    if (first < 0) {
        const int error = errno;
        ::close(read_fd);
        ::close(write_fd);
        throw std::system_error(error, std::system_category(), "daemonize: fork()");
    }
    if (first > 0) {
        // The original process: wait for the verdict and leave without running destructors, so
        // nothing the daemon shares (libpq sockets, files) is closed or flushed twice.
        ::close(write_fd);
        int status = 0;
        while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
        }
        ::_exit(wait_for_daemon_report(read_fd, STDERR_FILENO));
    }

    ::close(read_fd);
    if (::setsid() < 0)
        child_failed(write_fd, "setsid()");
    const pid_t second = ::fork();
    if (second < 0)
        child_failed(write_fd, "second fork()");
    if (second > 0)
        ::_exit(model::kSuccess);

    // The daemon.
    report_fd_ = write_fd;
    std::error_code ec;
    std::filesystem::current_path(working_directory, ec);
    if (ec) {
        log::warning("could not change directory to \"{}\": {}; using \"/\"",
                     working_directory.string(), ec.message());
        std::filesystem::current_path("/", ec);
    }
    redirect_to_dev_null(STDIN_FILENO, O_RDONLY, "stdin");
    redirect_to_dev_null(STDOUT_FILENO, O_WRONLY, "stdout");
}

void Daemonizer::ready() {
    if (report_fd_ < 0)
        return;
    send_all(report_fd_, std::string(1, kTagReady));
    ::close(report_fd_);
    report_fd_ = -1;
    reported_ = true;
}

void Daemonizer::fail(std::string_view message, int exit_code) {
    if (report_fd_ < 0)
        return;
    send_all(report_fd_, failure_report(message, exit_code));
    ::close(report_fd_);
    report_fd_ = -1;
    reported_ = true;
}

Daemonizer::~Daemonizer() {
    if (report_fd_ >= 0)
        ::close(report_fd_);
}

}  // namespace pgwarden::daemon
