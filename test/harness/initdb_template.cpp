#include "initdb_template.hpp"

#include "postgres_user.hpp"
#include "run_command.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <system_error>

namespace pgwarden::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTemplateDir = "/tmp/pgwarden-test-initdb";

// Names the template after everything that shapes initdb's output: the options, and initdb's
// own size and modification time (a PostgreSQL upgrade makes a new template).
std::string template_name(const std::vector<std::string>& initdb_argv) {
    struct stat info {};
    if (initdb_argv.empty() || ::stat(initdb_argv.front().c_str(), &info) != 0)
        throw std::runtime_error("initdb_template: cannot stat initdb");
    std::string options;
    for (const auto& word : initdb_argv)
        options += word + '\n';
    return fmt::format("{:016x}-{}-{}", std::hash<std::string>{}(options), info.st_size,
                       info.st_mtim.tv_sec);
}

void initdb(const std::string& data_dir, std::vector<std::string> argv,
            std::chrono::milliseconds timeout) {
    argv.insert(argv.begin() + 1, {"-D", data_dir});
    const auto result = run_command(argv, timeout, true);
    if (!result.ok()) {
        std::error_code ignored;
        fs::remove_all(data_dir, ignored);
        throw std::runtime_error(result.describe());
    }
}

// The template's path, made first if there is none. Tests starting at once may each make one:
// each initdb goes into a private name and is renamed into place, and the losers' are removed.
std::string ensure_template(const std::vector<std::string>& initdb_argv,
                            std::chrono::milliseconds timeout) {
    const fs::path path = fs::path(kTemplateDir) / template_name(initdb_argv);
    if (fs::is_directory(path))
        return path.string();
    // Every time, not only by the test that made it: initdb runs as postgres and writes there.
    std::error_code ec;
    fs::create_directory(kTemplateDir, ec);
    ::chmod(kTemplateDir, 0700);
    give_to_postgres(kTemplateDir);
    const std::string partial = fmt::format("{}.partial-{}", path.string(), ::getpid());
    fs::remove_all(partial, ec);
    initdb(partial, initdb_argv, timeout);
    fs::rename(partial, path, ec);
    if (ec)  // another test's template got there first
        fs::remove_all(partial, ec);
    if (!fs::is_directory(path))
        throw std::runtime_error(fmt::format("initdb_template: {} did not appear", path.string()));
    return path.string();
}

}  // namespace

void make_data_directory(const std::string& data_dir, const std::vector<std::string>& initdb_argv,
                         std::chrono::milliseconds timeout) {
    static std::atomic<int> clusters_in_process{0};
    if (clusters_in_process++ > 0) {
        initdb(data_dir, initdb_argv, timeout);
        return;
    }
    const std::string source = ensure_template(initdb_argv, timeout);
    // cp -a keeps the postgres owner and the 0700 mode PostgreSQL insists on.
    const auto copied = run_command({"cp", "-a", "--", source, data_dir}, timeout);
    if (!copied.ok()) {
        std::error_code ignored;
        fs::remove_all(data_dir, ignored);
        throw std::runtime_error(copied.describe());
    }
}

}  // namespace pgwarden::test
