#include "config/text_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pgwarden::config {

TextFile read_text_file(const std::string& path, std::size_t limit) {
    TextFile file;
    // O_NONBLOCK: naming a FIFO must not hang start-up.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        file.error = std::strerror(errno);
        return file;
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0)
        file.error = std::strerror(errno);
    else if (!S_ISREG(info.st_mode))
        file.error = "not a regular file";
    char buffer[4096];
    while (file.error.empty()) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            file.error = std::strerror(errno);
        if (got <= 0)
            break;
        file.text.append(buffer, static_cast<std::size_t>(got));
        if (file.text.size() > limit)
            file.error = fmt::format("larger than {} bytes", limit);
    }
    ::close(fd);
    if (!file.error.empty())
        file.text.clear();
    return file;
}

}  // namespace pgwarden::config
