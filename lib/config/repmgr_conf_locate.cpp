#include "config/repmgr_conf_locate.hpp"

#include "config/config_error.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace pgwarden::config {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfName = "repmgr.conf";
constexpr std::size_t kMaxPgConfigOutput = 4096;

bool exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

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

}  // namespace

std::vector<std::string> repmgr_conf_candidates(const std::string& cwd,
                                                const std::string& sysconfdir) {
    std::vector<std::string> candidates;
    auto add = [&candidates](const fs::path& path) {
        const std::string text = path.lexically_normal().string();
        if (std::find(candidates.begin(), candidates.end(), text) == candidates.end())
            candidates.push_back(text);
    };
    add(fs::path(cwd) / kConfName);
    add(fs::path("/etc") / kConfName);
    if (!sysconfdir.empty())
        add(fs::path(sysconfdir) / kConfName);
    return candidates;
}

std::optional<std::string> pg_config_sysconfdir() {
    const auto pg_config = find_on_path("pg_config");
    if (!pg_config || pg_config->find('\'') != std::string::npos)
        return std::nullopt;
    Pipe pipe(fmt::format("'{}' --sysconfdir 2>/dev/null", *pg_config));
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
    if (output.empty() || output.find('\n') != std::string::npos || output.front() != '/')
        return std::nullopt;
    return output;
}

std::string working_directory() {
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    const char* pwd = std::getenv("PWD");
    if (pwd != nullptr && pwd[0] == '/' && fs::equivalent(pwd, ".", ec) && !ec)
        return pwd;
    return cwd.string();
}

std::string locate_repmgr_conf(const std::optional<std::string>& explicit_path) {
    if (explicit_path && !explicit_path->empty()) {
        fs::path path(*explicit_path);
        if (path.is_relative())
            path = fs::path(working_directory()) / path;
        const std::string absolute = path.lexically_normal().string();
        struct stat info {};
        if (::stat(absolute.c_str(), &info) != 0) {
            throw ConfigError(*explicit_path, 0,
                              fmt::format("configuration file given with -f/--config-file not "
                                          "found: {}",
                                          std::strerror(errno)));
        }
        return absolute;
    }

    const auto candidates = repmgr_conf_candidates(
        working_directory(), pg_config_sysconfdir().value_or(kFallbackSysconfdir));
    for (const auto& candidate : candidates) {
        if (exists(candidate))
            return candidate;
    }
    throw ConfigError(kConfName, 0,
                      fmt::format("no configuration file found (looked for {}); give one with "
                                  "-f/--config-file",
                                  fmt::join(candidates, ", ")));
}

}  // namespace pgwarden::config
