#include "config/pg_programs.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace pgwarden::config {
namespace {
constexpr const char* kDebianBinDir = "/usr/lib/postgresql/15/bin";
}  // namespace

std::string pg_program(const RepmgrConfig& config, const std::string& name) {
    if (!config.pg_bindir.empty()) {
        std::string dir = config.pg_bindir;
        if (dir.back() != '/')
            dir += '/';
        return dir + name;
    }
    const std::string debian = fmt::format("{}/{}", kDebianBinDir, name);
    if (access(debian.c_str(), X_OK) == 0)
        return debian;
    return name;
}

}  // namespace pgwarden::config

