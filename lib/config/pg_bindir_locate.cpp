// The pg_bindir fallback search (see the header); everything it sees comes from a HostProbe.
#include "config/pg_bindir_locate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>
#include <tuple>

namespace pgwarden::config {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDeletedSuffix = " (deleted)";  // readlink of a binary replaced by an upgrade

std::string trim_line(const std::string& text) {
    const auto end = text.find_first_of("\r\n");
    std::string line = text.substr(0, end);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
        line.pop_back();
    return line;
}

// "9.6" -> (9, 6), "15" -> (15, 0): numeric order, so 10 sorts after 9.6.
std::tuple<int, int> version_key(const std::string& major) {
    const auto dot = major.find('.');
    const int first = std::stoi(major.substr(0, dot));
    const int second = dot == std::string::npos ? 0 : std::stoi(major.substr(dot + 1));
    return {first, second};
}

std::string join(const std::string& dir, const std::string& name) {
    return (fs::path(dir) / name).lexically_normal().string();
}

// The first line of data_directory/<file> (postmaster.pid, PG_VERSION), when there is one.
std::optional<std::string> data_directory_line(const HostProbe& host,
                                               const std::string& data_directory,
                                               const std::string& file) {
    if (data_directory.empty())
        return std::nullopt;
    const auto text = host.read_file(join(data_directory, file));
    if (!text)
        return std::nullopt;
    return trim_line(*text);
}

}  // namespace

bool is_major_version(const std::string& text) {
    if (text.empty() || text.size() > 5 || !std::isdigit(static_cast<unsigned char>(text[0])))
        return false;
    const auto dot = text.find('.');
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i == dot)
            continue;
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return false;
    }
    return dot == std::string::npos ||
           (dot + 1 < text.size() && text.find('.', dot + 1) == std::string::npos);
}

void sort_newest_first(std::vector<std::string>& versions) {
    std::sort(versions.begin(), versions.end(),
              [](const auto& a, const auto& b) { return version_key(a) > version_key(b); });
    versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
}

std::vector<std::string> version_bindirs(const std::string& major) {
    return {fmt::format("{}{}/bin", kPgdgPrefix, major),
            fmt::format("{}/{}/bin", kDebianPgRoot, major)};
}

std::vector<std::string> installed_bindirs(const HostProbe& host) {
    std::vector<std::string> versions;
    const std::string pgdg_name = fs::path(kPgdgPrefix).filename().string();  // "pgsql-"
    const std::string pgdg_parent = fs::path(kPgdgPrefix).parent_path().string();
    for (const auto& name : host.list_directory(pgdg_parent)) {
        if (name.compare(0, pgdg_name.size(), pgdg_name) == 0 &&
            is_major_version(name.substr(pgdg_name.size())))
            versions.push_back(name.substr(pgdg_name.size()));
    }
    for (const auto& name : host.list_directory(kDebianPgRoot)) {
        if (is_major_version(name))
            versions.push_back(name);
    }
    sort_newest_first(versions);
    std::vector<std::string> dirs;
    for (const auto& version : versions) {
        for (auto& dir : version_bindirs(version)) {
            if (host.exists(dir))
                dirs.push_back(std::move(dir));
        }
    }
    return dirs;
}

std::optional<std::string> running_server_bindir(const HostProbe& host,
                                                 const std::string& data_directory) {
    const auto pid = data_directory_line(host, data_directory, "postmaster.pid");
    if (!pid || pid->empty() ||
        !std::all_of(pid->begin(), pid->end(), [](unsigned char c) { return std::isdigit(c); }))
        return std::nullopt;
    auto exe = host.read_link(fmt::format("/proc/{}/exe", *pid));
    if (!exe)
        return std::nullopt;
    if (std::string_view(*exe).ends_with(kDeletedSuffix))
        exe->resize(exe->size() - std::string_view(kDeletedSuffix).size());
    // A stale postmaster.pid may name some other process now.
    const fs::path program(*exe);
    const std::string base = program.filename().string();
    if (!program.is_absolute() || (base != "postgres" && base != "postmaster"))
        return std::nullopt;
    return program.parent_path().string();
}

std::optional<std::string> data_directory_version(const HostProbe& host,
                                                  const std::string& data_directory) {
    auto version = data_directory_line(host, data_directory, "PG_VERSION");
    if (!version || !is_major_version(*version))
        return std::nullopt;
    return version;
}

PgProgram locate_pg_program(const HostProbe& host, const std::string& pg_bindir,
                            const std::string& data_directory, const std::string& name) {
    if (!pg_bindir.empty())
        return {join(pg_bindir, name), "pg_bindir"};

    struct Step {
        std::string dir;
        std::string reason;
    };
    std::vector<Step> steps;
    if (auto dir = running_server_bindir(host, data_directory))
        steps.push_back({std::move(*dir), "the running server's directory"});
    if (const auto version = data_directory_version(host, data_directory)) {
        for (auto& dir : version_bindirs(*version))
            steps.push_back(
                {std::move(dir), fmt::format("PG_VERSION {} of data_directory", *version)});
    }
    if (auto dir = host.pg_config("--bindir"); dir && !dir->empty() && dir->front() == '/')
        steps.push_back({std::move(*dir), "pg_config --bindir"});
    for (auto& dir : installed_bindirs(host))
        steps.push_back({std::move(dir), "the newest PostgreSQL installed"});

    for (const auto& step : steps) {
        const std::string path = join(step.dir, name);
        if (host.is_executable(path))
            return {path,
                    fmt::format("pg_bindir not set; found in {} ({})", step.dir, step.reason)};
    }
    return {name, "pg_bindir not set and no PostgreSQL bin directory has it; using PATH"};
}

}  // namespace pgwarden::config
