#include "config/conninfo_file.hpp"

#include "config/config_error.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace pgwarden::config {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
    throw ConfigError(path, 0,
                      fmt::format("could not read the conninfo file: {} (it should hold one libpq "
                                  "conninfo and be readable by this user only)",
                                  reason));
}

}  // namespace

std::string read_conninfo_file(const std::string& path) {
    // O_NONBLOCK: naming a FIFO must not hang start-up.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        fail(path, std::strerror(errno));
    std::string text;
    std::string error;
    struct stat info {};
    if (::fstat(fd, &info) != 0)
        error = std::strerror(errno);
    else if (!S_ISREG(info.st_mode))
        error = "not a regular file";
    char buffer[4096];
    while (error.empty()) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            error = std::strerror(errno);
        if (got <= 0)
            break;
        text.append(buffer, static_cast<std::size_t>(got));
        if (text.size() > kMaxConninfoFileBytes)
            error = fmt::format("larger than {} bytes", kMaxConninfoFileBytes);
    }
    ::close(fd);
    if (!error.empty())
        fail(path, error);
    while (!text.empty() && std::string_view(" \t\r\n").find(text.back()) != std::string_view::npos)
        text.pop_back();
    if (text.empty())
        fail(path, "the file is empty");
    return text;
}

}  // namespace pgwarden::config
