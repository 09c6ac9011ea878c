#include "binaries.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace pgwarden::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSharedDir = "/tmp/pgwarden-test-bin";
// Copies of older builds are removed once they are this old.
constexpr auto kStaleAfter = std::chrono::hours(24);

void remove_stale_copies(const fs::path& dir) {
    std::error_code ec;
    const auto now = fs::file_time_type::clock::now();
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code ignored;
        const auto written = fs::last_write_time(entry.path(), ignored);
        if (!ignored && now - written > kStaleAfter)
            fs::remove(entry.path(), ignored);
    }
}

}  // namespace

std::string runnable_by_postgres(const std::string& built) {
    if (::geteuid() != 0)
        return built;
    struct stat info {};
    if (::stat(built.c_str(), &info) != 0)
        throw std::runtime_error(fmt::format("cannot stat the built program \"{}\"", built));
    const fs::path dir(kSharedDir);
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::permissions(dir,
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec,
                    ec);
    const fs::path copy =
        dir / fmt::format("{}-{}-{}.{}", fs::path(built).filename().string(), info.st_size,
                          info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
    if (fs::exists(copy))
        return copy.string();
    remove_stale_copies(dir);
    // Copied under a private name and renamed: processes starting at once never run half a file.
    const fs::path partial = copy.string() + fmt::format(".partial-{}", ::getpid());
    fs::copy_file(built, partial, fs::copy_options::overwrite_existing);
    fs::permissions(partial, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
    fs::rename(partial, copy);
    return copy.string();
}

const std::string& cli_bin() {
    static const std::string path = runnable_by_postgres(PGWARDEN_CLI_BIN);
    return path;
}

const std::string& daemon_bin() {
    static const std::string path = runnable_by_postgres(PGWARDEN_DAEMON_BIN);
    return path;
}

const std::string& probe_bin() {
    static const std::string path = runnable_by_postgres(PGWARDEN_PROBE_BIN);
    return path;
}

}  // namespace pgwarden::test
