// standby clone --copy-external-config-files: which files, where they go, and the copy over SSH.
#include "clone_config_files.hpp"

#include "outcome_detail.hpp"
#include "standby_actions.hpp"
#include "standby_siblings.hpp"

#include "cluster/server_settings.hpp"

#include "exec/shell.hpp"
#include "exec/shell_quote.hpp"
#include "model/exit_codes.hpp"
#include "text/shell_quote.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pgwarden::cli::standby {
namespace {

namespace fs = std::filesystem;
using log::Level;

std::vector<ConfigFile> files_of(pg::Connection& source, const std::string& sql,
                                 const std::string& data_directory) {
    std::vector<ConfigFile> files;
    const auto rows = source.exec(sql);
    for (int row = 0; row < rows.rows(); ++row) {
        std::string path(rows.value(row, 0));
        const bool inside = inside_directory(path, data_directory);
        files.push_back({std::move(path), inside});
    }
    return files;
}

// The file's mode (octal) on the first line, then its bytes: one SSH login per file, and the
// copy keeps the mode as repmgr's rsync --archive does.
std::string remote_read(const std::string& path) {
    return exec::shell_words({"stat", "-c", "%a", "--", path}) + " && " +
           exec::shell_words({"cat", "--", path});
}

// Splits what remote_read printed into the mode and the contents; nullopt when the first line is
// no mode.
std::optional<std::pair<mode_t, std::string>> mode_and_contents(const std::string& fetched) {
    const auto newline = fetched.find('\n');
    if (newline == std::string::npos || newline == 0 || newline > 4)
        return std::nullopt;
    mode_t mode = 0;
    for (std::size_t i = 0; i < newline; ++i) {
        if (fetched[i] < '0' || fetched[i] > '7')
            return std::nullopt;
        mode = mode * 8 + static_cast<mode_t>(fetched[i] - '0');
    }
    return std::make_pair(mode, fetched.substr(newline + 1));
}

// One file from the source host to `destination`, through a temporary file beside it so that a
// failed copy leaves the destination as it was. False, after the reason, when it did not work.
bool copy_one(const std::string& remote_path, const std::string& destination,
              const ConfigCopyPlan& plan, const config::RepmgrConfig& config) {
    std::error_code ec;
    // A data directory made here is made as pg_basebackup makes one: a server refuses to start
    // in a directory others can read.
    if (fs::create_directories(fs::path(destination).parent_path(), ec) && plan.into_data_directory)
        fs::permissions(plan.data_directory, fs::perms::owner_all, ec);
    const std::string tmp = destination + ".pgwarden.tmp";
    const std::string command = ssh_command(plan.host, config, {.remote_user = plan.remote_user},
                                            remote_read(remote_path)) +
                                " > " + text::shell_quote(tmp);
    log::info("copying \"{}\" from host \"{}\" to \"{}\":\n  {}", remote_path, plan.host,
              destination, command);
    const auto outcome = exec::run_shell(
        command, std::chrono::duration_cast<std::chrono::milliseconds>(kConfigCopyTimeout),
        Level::error);
    std::optional<std::pair<mode_t, std::string>> fetched;
    if (outcome.ok()) {
        std::ifstream in(tmp, std::ios::binary);
        std::stringstream bytes;
        bytes << in.rdbuf();
        fetched = mode_and_contents(bytes.str());
    }
    if (!fetched) {
        fs::remove(tmp, ec);
        detail(Level::error,
               outcome.ok()
                   ? fmt::format("no file mode came first in what \"{}\" sent", remote_path)
                   : outcome_detail(outcome, "the SSH command",
                                    fmt::format("{} seconds", kConfigCopyTimeout.count())));
        return false;
    }
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << fetched->second;
        if (!out.flush()) {
            log::warning("could not write \"{}\"", tmp);
            fs::remove(tmp, ec);
            return false;
        }
    }
    if (::chmod(tmp.c_str(), fetched->first) != 0 ||
        std::rename(tmp.c_str(), destination.c_str()) != 0) {
        detail(Level::error,
               fmt::format("could not put \"{}\" in place: {}", destination, std::strerror(errno)));
        fs::remove(tmp, ec);
        return false;
    }
    return true;
}

}  // namespace

std::vector<ConfigFile> config_file_locations(pg::Connection& source) {
    const std::string data_directory(
        source.exec("SELECT pg_catalog.current_setting('data_directory')").value(0, 0));
    auto files = files_of(source,
                          "SELECT DISTINCT sourcefile FROM pg_catalog.pg_settings "
                          "WHERE sourcefile IS NOT NULL ORDER BY 1",
                          data_directory);
    for (auto& file : files_of(source,
                               "SELECT setting FROM pg_catalog.pg_settings "
                               "WHERE name IN ('hba_file', 'ident_file') ORDER BY 1",
                               data_directory))
        files.push_back(std::move(file));
    return files;
}

bool inside_directory(const std::string& path, const std::string& data_directory) {
    std::string dir = data_directory;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    if (path == dir)
        return true;
    return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
           (dir == "/" || path[dir.size()] == '/');
}

std::string config_file_destination(const std::string& source_path, bool into_data_directory,
                                    const std::string& data_directory) {
    if (!into_data_directory)
        return source_path;
    return (fs::path(data_directory) / fs::path(source_path).filename()).string();
}

int copy_config_files(const ConfigCopyPlan& plan, const config::RepmgrConfig& config, bool trial) {
    log::notice("copying external configuration files from upstream node \"{}\"",
                plan.upstream_host);
    for (const auto& file : plan.files) {
        // pg_basebackup copies what lies inside the data directory.
        if (file.in_data_directory)
            continue;
        const std::string destination =
            config_file_destination(file.path, plan.into_data_directory, plan.data_directory);
        if (!copy_one(file.path, destination, plan, config)) {
            log::error("standby clone: unable to copy config file \"{}\"",
                       fs::path(file.path).filename().string());
            hint(Level::error, "see preceding messages for details");
            if (!plan.force)
                return model::kErrBadRsync;
            continue;
        }
        std::error_code ec;
        if (trial && !fs::remove(destination, ec) && ec)
            log::warning("unable to delete {}", destination);
    }
    return model::kSuccess;
}

std::optional<int> prepare_config_copy(pg::Connection& source, const ConninfoParams& source_params,
                                       const CliOptions& options,
                                       const config::RepmgrConfig& config, ConfigCopyPlan& plan) {
    // pg_settings shows where a setting comes from only to a session that reads every setting.
    std::optional<pg::Connection> privileged;
    pg::Connection* reader = &source;
    if (!cluster::can_read_all_settings(source)) {
        if (!options.superuser) {
            log::error(
                "--copy-external-config-files requires a user with permission to read "
                "the data directory on the source node");
            hint(Level::error,
                 "connect as a superuser or a member of \"pg_read_all_settings\", or provide "
                 "one with -S/--superuser");
            return model::kErrBadConfig;
        }
        auto as_superuser = source_params;
        set_param(as_superuser, "user", *options.superuser);
        privileged = try_connect(format_conninfo(as_superuser), Level::error);
        if (!privileged) {
            log::error("unable to connect to the source node as superuser \"{}\"",
                       *options.superuser);
            return model::kErrDbConn;
        }
        reader = &*privileged;
    }
    try {
        plan.files = config_file_locations(*reader);
    } catch (const pg::PgError& e) {
        log::error("unable to retrieve configuration file locations");
        detail(Level::error, e.what());
        log::notice("unable to proceed without establishing configuration file locations");
        return model::kErrBadConfig;
    }
    bool external = false;
    for (const auto& file : plan.files)
        external = external || !file.in_data_directory;
    if (!external)
        return std::nullopt;

    const auto checking = fmt::format(
        "external configuration files detected, checking SSH connection to host \"{}\"", plan.host);
    log::at(options.dry_run ? Level::notice : Level::info, "{}", checking);
    if (!ssh_reachable(plan.host, config, {.remote_user = plan.remote_user})) {
        log::error(
            "remote host \"{}\" is not reachable via SSH - unable to copy external "
            "configuration files",
            plan.host);
        return model::kErrBadConfig;
    }
    log::info("SSH connection to host \"{}\" succeeded", plan.host);
    if (options.dry_run) {
        for (const auto& file : plan.files) {
            if (!file.in_data_directory)
                log::info("would copy \"{}\" to \"{}\"", file.path,
                          config_file_destination(file.path, plan.into_data_directory,
                                                  plan.data_directory));
        }
        return std::nullopt;
    }
    if (const int rc = copy_config_files(plan, config, plan.into_data_directory); rc != 0)
        return rc;
    return std::nullopt;
}

}  // namespace pgwarden::cli::standby
