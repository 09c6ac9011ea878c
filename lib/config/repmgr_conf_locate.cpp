#include "config/repmgr_conf_locate.hpp"

#include "config/config_error.hpp"
#include "config/pg_bindir_locate.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace pgwarden::config {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfName = "repmgr.conf";

}  // namespace

std::vector<std::string> pgdg_repmgr_confs(const HostProbe& host) {
    std::vector<std::string> versions;
    for (const auto& name : host.list_directory(kPgdgConfRoot)) {
        if (is_major_version(name) &&
            host.exists(fmt::format("{}/{}/{}", kPgdgConfRoot, name, kConfName)))
            versions.push_back(name);
    }
    sort_newest_first(versions);
    std::vector<std::string> paths;
    for (const auto& version : versions)
        paths.push_back(fmt::format("{}/{}/{}", kPgdgConfRoot, version, kConfName));
    return paths;
}

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
    auto output = system_host().pg_config("--sysconfdir");
    if (!output || output->front() != '/')
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

std::string locate_repmgr_conf(const std::optional<std::string>& explicit_path,
                               const HostProbe& host) {
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

    const auto pgdg = pgdg_repmgr_confs(host);
    if (pgdg.size() == 1)
        return pgdg.front();
    if (pgdg.size() > 1) {
        throw ConfigError(kConfName, 0,
                          fmt::format("several PGDG configuration files found ({}); give the "
                                      "one for this server with -f/--config-file",
                                      fmt::join(pgdg, ", ")));
    }

    auto sysconfdir = host.pg_config("--sysconfdir");
    if (!sysconfdir || sysconfdir->front() != '/')
        sysconfdir = kFallbackSysconfdir;
    const auto candidates = repmgr_conf_candidates(working_directory(), *sysconfdir);
    for (const auto& candidate : candidates) {
        if (host.exists(candidate))
            return candidate;
    }
    throw ConfigError(kConfName, 0,
                      fmt::format("no configuration file found (looked for {}/NN/{}, {}); give "
                                  "one with -f/--config-file",
                                  kPgdgConfRoot, kConfName, fmt::join(candidates, ", ")));
}

}  // namespace pgwarden::config
