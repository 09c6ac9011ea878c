// SystemHostProbe: the real answers behind HostProbe (stat, readdir, readlink, popen pg_config).
#include "config/host_probe.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pgwarden::config {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxPgConfigOutput = 4096;
// PG_VERSION and postmaster.pid are a few lines; a bigger file is not what we look for.
constexpr std::size_t kMaxReadFile = 8192;

std::optional<std::string> find_on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    if (path == nullptr)
        return std::nullopt;
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty())
            continue;
        const std::string candidate = (fs::path(dir) / program).string();
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return std::nullopt;
}

// popen's stream, closed (and the child reaped) whatever happens.
class Pipe {
  public:
    explicit Pipe(const std::string& command) : stream_(::popen(command.c_str(), "r")) {}
    ~Pipe() { close(); }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;

    std::FILE* get() const { return stream_; }
    int close() {  // the child's wait status, -1 if already closed
        if (stream_ == nullptr)
            return -1;
        const int status = ::pclose(stream_);
        stream_ = nullptr;
        return status;
    }

  private:
    std::FILE* stream_;
};

bool safe_option(const std::string& option) {
    if (option.size() < 3 || option.compare(0, 2, "--") != 0)
        return false;
    for (const char c : option.substr(2)) {
        if (!(c == '-' || (c >= 'a' && c <= 'z')))
            return false;
    }
    return true;
}

}  // namespace

bool SystemHostProbe::exists(const std::string& path) const {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

bool SystemHostProbe::is_executable(const std::string& path) const {
    std::error_code ec;
    return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

std::vector<std::string> SystemHostProbe::list_directory(const std::string& path) const {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
        names.push_back(it->path().filename().string());
    return names;
}

std::optional<std::string> SystemHostProbe::read_file(const std::string& path) const {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::string text(kMaxReadFile, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

std::optional<std::string> SystemHostProbe::read_link(const std::string& path) const {
    std::error_code ec;
    const fs::path target = fs::read_symlink(path, ec);
    if (ec)
        return std::nullopt;
    return target.string();
}

std::optional<std::string> SystemHostProbe::pg_config(const std::string& option) const {
    const auto program = find_on_path("pg_config");
    if (!program || program->find('\'') != std::string::npos || !safe_option(option))
        return std::nullopt;
    Pipe pipe(fmt::format("'{}' {} 2>/dev/null", *program, option));
    if (pipe.get() == nullptr)
        return std::nullopt;
    std::string output;
    char buffer[256];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0 &&
           output.size() < kMaxPgConfigOutput)
        output.append(buffer, got);
    const int status = pipe.close();
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::nullopt;
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
        output.pop_back();
    if (output.empty() || output.find('\n') != std::string::npos)
        return std::nullopt;
    return output;
}

const HostProbe& system_host() {
    static const SystemHostProbe host;
    return host;
}

}  // namespace pgwarden::config
