#include "pid_file.hpp"

#include "config/config_error.hpp"
#include "log/log.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

namespace pgwarden::daemon {

namespace {

// A live file is never taken over; these are the rounds of "exists, stale, removed" we go
// through before concluding that something keeps recreating it.
constexpr int kCreateAttempts = 3;

std::string os_error(int error) {
    return std::system_category().message(error);
}

std::string quote_path(const std::string& path) {
    return config::quote_for_message(path);
}

// Creates `path` exclusively and writes `content`; returns 0 or the errno of the failure (the
// file is removed again if the write failed).
int create_exclusive(const std::string& path, const std::string& content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    std::size_t written = 0;
    int error = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            error = n < 0 ? errno : EIO;
            break;
        }
        written += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0 && error == 0)
        error = errno;
    if (error != 0)
        ::unlink(path.c_str());
    return error;
}

// The file's text, or the errno of the failure to read it.
std::optional<std::string> read_text(const std::string& path, int& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = errno != 0 ? errno : EIO;
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<pid_t> pid_in_file(const std::string& path) {
    int error = 0;
    const auto text = read_text(path, error);
    return text ? parse_pid_text(*text) : std::nullopt;
}

}  // namespace

std::optional<pid_t> parse_pid_text(const std::string& text) {
    std::string_view digits = text;
    while (!digits.empty() && (digits.back() == '\n' || digits.back() == '\r' ||
                               digits.back() == ' ' || digits.back() == '\t'))
        digits.remove_suffix(1);
    while (!digits.empty() && (digits.front() == ' ' || digits.front() == '\t'))
        digits.remove_prefix(1);
    long long value = 0;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || ec != std::errc() || ptr != end || value <= 0 ||
        value > std::numeric_limits<pid_t>::max())
        return std::nullopt;
    return static_cast<pid_t>(value);
}

bool process_is_running(pid_t pid) {
    if (pid <= 0)
        return false;
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

bool process_is_ours(pid_t pid) {
    return pid > 0 && ::kill(pid, 0) == 0;
}

std::optional<bool> process_is_daemon(pid_t pid, const std::string& proc_root) {
    const std::string dir = fmt::format("{}/{}", proc_root, pid);
    int error = 0;
    const auto comm = read_text(dir + "/comm", error);
    const auto cmdline = read_text(dir + "/cmdline", error);
    if (!comm && !cmdline)
        return std::nullopt;
    // A prefix: copies named pgwardend-<suffix> (as the test harness and some packagers keep
    // them) are daemons too.
    auto is_daemon_name = [](std::string_view name) {
        return name.starts_with("pgwardend") || name.starts_with("repmgrd");
    };
    if (comm) {
        std::string_view name = *comm;
        if (!name.empty() && name.back() == '\n')
            name.remove_suffix(1);
        if (is_daemon_name(name))
            return true;
    }
    if (cmdline) {
        // argv[0] ends at the first NUL; a daemon started through a path or a symlink keeps its
        // name as the last part.
        std::string_view argv0(cmdline->c_str());
        if (const auto slash = argv0.rfind('/'); slash != std::string_view::npos)
            argv0.remove_prefix(slash + 1);
        if (is_daemon_name(argv0))
            return true;
    }
    return false;
}

PidFile::PidFile(std::string path) : path_(std::move(path)), pid_(::getpid()) {
    if (path_.empty())
        throw PidFileError("the PID file path is empty: set -p/--pid-file or repmgrd_pid_file");
    const std::string content = fmt::format("{}\n", pid_);
    const std::string temp = fmt::format("{}.{}.tmp", path_, pid_);

    // A temporary of our own PID can only be left from a crashed earlier process.
    ::unlink(temp.c_str());
    if (const int error = create_exclusive(temp, content); error != 0) {
        throw PidFileError(fmt::format(
            "could not create PID file {}: {}; check that the directory exists and that this "
            "user may write to it, or choose another path with -p/--pid-file or "
            "repmgrd_pid_file",
            quote_path(path_), os_error(error)));
    }
    struct RemoveTemp {
        const std::string& name;
        ~RemoveTemp() { ::unlink(name.c_str()); }
    } remove_temp{temp};

    for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
        int error = 0;
        if (::link(temp.c_str(), path_.c_str()) == 0)
            return;
        error = errno;
        if (error == EPERM || error == ENOTSUP) {
            // No hard links on this file system: fall back to creating the file in place.
            error = create_exclusive(path_, content);
            if (error == 0)
                return;
        }
        if (error != EEXIST) {
            throw PidFileError(fmt::format(
                "could not create PID file {}: {}; check that this user may write to its "
                "directory, or choose another path with -p/--pid-file or repmgrd_pid_file",
                quote_path(path_), os_error(error)));
        }

        const auto text = read_text(path_, error);
        if (!text) {
            if (error == ENOENT)
                continue;  // removed between link() and open(): try again
            throw PidFileError(fmt::format(
                "PID file {} exists but could not be read: {}; if pgwardend (or repmgrd) is no "
                "longer running, remove the file and start again",
                quote_path(path_), os_error(error)));
        }
        const auto old_pid = parse_pid_text(*text);
        // A PID reused by another program (after a reboot), or a process this user could not
        // stop (another user's, named in a file someone left in /tmp), does not hold the file.
        const bool live_daemon = old_pid && *old_pid != pid_ && process_is_ours(*old_pid) &&
                                 process_is_daemon(*old_pid).value_or(true);
        if (live_daemon) {
            throw PidFileError(fmt::format(
                "PID file {} holds PID {}, a running process: another pgwardend (or repmgrd) "
                "seems to be running; stop it first (systemctl stop, or kill -TERM {}), or, if "
                "PID {} is not a pgwardend or repmgrd, remove the file and start again",
                quote_path(path_), *old_pid, *old_pid, *old_pid));
        }
        if (old_pid && *old_pid != pid_ && process_is_running(*old_pid) &&
            !process_is_ours(*old_pid)) {
            log::warning("PID file {} holds PID {}, a process of another user; replacing it",
                         quote_path(path_), *old_pid);
        } else if (old_pid && *old_pid != pid_ && process_is_running(*old_pid)) {
            log::warning(
                "PID file {} holds PID {}, which is not a pgwardend or repmgrd; replacing it",
                quote_path(path_), *old_pid);
        } else if (old_pid) {
            log::warning("PID file {} holds PID {}, which is no longer running; replacing it",
                         quote_path(path_), *old_pid);
        } else {
            log::warning("PID file {} holds no PID ({}); replacing it", quote_path(path_),
                         config::quote_for_message(text->substr(0, 40)));
        }
        replaced_stale_pid_ = old_pid;
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
            const int unlink_error = errno;
            struct stat owner {};
            const bool foreign = ::stat(path_.c_str(), &owner) == 0 && owner.st_uid != ::geteuid();
            throw PidFileError(fmt::format(
                "stale PID file {} could not be removed: {}; {}", quote_path(path_),
                os_error(unlink_error),
                foreign ? fmt::format("it belongs to user ID {}: have it removed, or choose a "
                                      "path of this user's with -p/--pid-file or repmgrd_pid_file",
                                      owner.st_uid)
                        : std::string("remove it and start again")));
        }
    }
    throw PidFileError(fmt::format(
        "could not create PID file {}: it reappeared {} times while being replaced; is another "
        "pgwardend starting at the same time?",
        quote_path(path_), kCreateAttempts));
}

PidFile::~PidFile() {
    if (pid_in_file(path_) == pid_)
        ::unlink(path_.c_str());
}

}  // namespace pgwarden::daemon
