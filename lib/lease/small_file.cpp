#include "lease/small_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace pgwarden::lease {
namespace {

std::string errno_text() {
    return std::strerror(errno);
}

}  // namespace

std::optional<std::string> read_small_file(const std::string& path, std::size_t limit,
                                           std::string& out, bool& exists) {
    exists = false;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? std::nullopt : std::optional<std::string>(errno_text());
    exists = true;
    std::vector<char> buffer(limit + 1);
    std::size_t used = 0;
    while (used < buffer.size()) {
        const ssize_t got = ::read(fd, buffer.data() + used, buffer.size() - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            const auto error = errno_text();
            ::close(fd);
            return error;
        }
        if (got == 0)
            break;
        used += static_cast<std::size_t>(got);
    }
    ::close(fd);
    if (used > limit)
        return fmt::format("larger than {} bytes", limit);
    out.assign(buffer.data(), used);
    return std::nullopt;
}

std::optional<std::string> write_file_atomically(const std::string& path, const std::string& text,
                                                 unsigned mode) {
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        const std::string directory = path.substr(0, slash);
        if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST)
            return fmt::format("cannot create {}: {}", directory, errno_text());
    }
    const std::string temporary = fmt::format("{}.{}.new", path, ::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return fmt::format("cannot write {}: {}", temporary, errno_text());
    int error = 0;
    for (std::size_t done = 0; error == 0 && done < text.size();) {
        const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote > 0)
            done += static_cast<std::size_t>(wrote);
        else if (wrote == 0)
            error = EIO;  // a full device may answer 0 for ever: no retry loop without end
        else if (errno != EINTR)
            error = errno;
    }
    // fchmod, not open's mode: the umask would take bits away from the mode asked for.
    if (error == 0 && ::fchmod(fd, static_cast<mode_t>(mode & 07777)) != 0)
        error = errno;
    if (::close(fd) != 0 && error == 0)
        error = errno;
    if (error != 0) {
        ::unlink(temporary.c_str());
        return fmt::format("cannot write {}: {}", temporary, std::strerror(error));
    }
    // rename() replaces the old file in one step: a reader sees the old one or the new one.
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const auto failure = fmt::format("cannot replace {}: {}", path, errno_text());
        ::unlink(temporary.c_str());
        return failure;
    }
    return std::nullopt;
}

}  // namespace pgwarden::lease
