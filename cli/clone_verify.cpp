// standby clone --verify-backup: pg_verifybackup on the clone, bounded, its verdict explained.
#include "clone_verify.hpp"

#include "outcome_detail.hpp"
#include "standby_actions.hpp"

#include "exec/shell.hpp"
#include "exec/shell_quote.hpp"
#include "model/exit_codes.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace pgwarden::cli::standby {

namespace fs = std::filesystem;
using log::Level;

bool verify_backup_supported(int server_version_num) {
    if (server_version_num >= kVerifyBackupMinVersion)
        return true;
    log::error("--verify-backup available for PostgreSQL 13 and later");
    detail(Level::error,
           fmt::format("the source node's server_version_num is {}", server_version_num));
    return false;
}

std::optional<std::string> find_program(const std::string& program, std::string_view path_list) {
    std::error_code ec;
    if (program.find('/') != std::string::npos)
        return fs::exists(program, ec) ? std::optional<std::string>(program) : std::nullopt;
    while (true) {
        const auto colon = path_list.find(':');
        // An empty PATH entry is the current directory, as for the shell.
        const std::string dir(path_list.substr(0, colon));
        const auto candidate = (fs::path(dir.empty() ? "." : dir) / program).string();
        if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (colon == std::string_view::npos)
            return std::nullopt;
        path_list.remove_prefix(colon + 1);
    }
}

std::optional<std::string> verify_program(const config::RepmgrConfig& config) {
    const std::string program = pg_program(config, "pg_verifybackup");
    const char* path = std::getenv("PATH");
    if (auto found = find_program(program, path != nullptr ? path : ""))
        return found;
    log::error("unable to find expected binary \"{}\"", program);
    detail(Level::error, std::strerror(ENOENT));
    hint(Level::error, "set \"pg_bindir\" in repmgr.conf to the PostgreSQL 13+ programs");
    return std::nullopt;
}

int verify_clone(const std::string& program, const std::string& data_dir) {
    std::error_code ec;
    if (!fs::exists(fs::path(data_dir) / "backup_manifest", ec)) {
        log::error("unable to verify backup");
        detail(Level::error,
               fmt::format("pg_basebackup wrote no \"backup_manifest\" in \"{}\"", data_dir));
        hint(Level::error,
             "remove \"--no-manifest\" from \"pg_basebackup_options\" in repmgr.conf");
        return model::kErrBadBasebackup;
    }
    const std::string command = exec::shell_words({program, data_dir});
    log::debug("executing:\n  {}", command);
    const auto outcome = exec::run_shell(
        command, std::chrono::duration_cast<std::chrono::milliseconds>(kVerifyBackupTimeout),
        Level::info);
    if (!outcome.ok()) {
        log::error("unable to verify backup");
        detail(Level::error, outcome_detail(outcome, "pg_verifybackup",
                                            fmt::format("{} hours", kVerifyBackupTimeout.count())));
        hint(Level::error,
             fmt::format("data directory (\"{}\") may need to be cleaned up manually", data_dir));
        return model::kErrBadBasebackup;
    }
    log::info("backup successfully verified");
    return model::kSuccess;
}

}  // namespace pgwarden::cli::standby
