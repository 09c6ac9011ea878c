// standby clone --copy-external-config-files: which files, where they go, and the copy over SSH.
#include "clone_config_files.hpp"

#include "clone_privileges.hpp"
#include "outcome_detail.hpp"
#include "standby_actions.hpp"
#include "standby_siblings.hpp"

#include "cluster/server_settings.hpp"
#include "exec/shell.hpp"
#include "exec/shell_quote.hpp"
#include "lease/small_file.hpp"
#include "model/exit_codes.hpp"
#include "text/shell_quote.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace pgwarden::cli::standby {
namespace {

namespace fs = std::filesystem;
using log::Level;

std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

// The file's mode (octal) on the first line, then its bytes: one SSH login per file, and the
// copy keeps the mode as repmgr's rsync --archive does.
std::string remote_read(const std::string& path) {
    return exec::shell_words({"stat", "-c", "%a", "--", path}) + " && " +
           exec::shell_words({"cat", "--", path});
}

// Splits what remote_read printed into the mode and the contents; nullopt when the first line is
// no mode.
std::optional<FetchedFile> mode_and_contents(const std::string& fetched) {
    const auto newline = fetched.find('\n');
    if (newline == std::string::npos || newline == 0 || newline > 4)
        return std::nullopt;
    mode_t mode = 0;
    for (std::size_t i = 0; i < newline; ++i) {
        if (fetched[i] < '0' || fetched[i] > '7')
            return std::nullopt;
        mode = mode * 8 + static_cast<mode_t>(fetched[i] - '0');
    }
    return FetchedFile{mode, fetched.substr(newline + 1)};
}

// A directory of mode 0700 in the system's temporary directory for what one fetch's ssh writes,
// removed with it when this goes away. Not beside the data directory: that may be a mount point
// whose parent this user cannot write.
class StagingDirectory {
  public:
    // Throws std::system_error when the directory cannot be made.
    StagingDirectory() {
        std::string pattern = (fs::temp_directory_path() / "pgwarden-clone-config-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::system_error(errno, std::generic_category(),
                                    fmt::format("unable to create directory \"{}\"", pattern));
        path_ = std::move(pattern);
    }
    ~StagingDirectory() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    StagingDirectory(const StagingDirectory&) = delete;
    StagingDirectory& operator=(const StagingDirectory&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// One file from the source host with its mode; nullopt, after the reason, when it could not be
// fetched. Only the fetch runs through SSH: what this host cannot write is place_config_file's
// to report.
std::optional<FetchedFile> fetch_file(const std::string& remote_path, const ConfigCopyPlan& plan,
                                      const config::RepmgrConfig& config) {
    std::optional<StagingDirectory> staging;
    try {
        staging.emplace();
    } catch (const std::system_error& e) {
        detail(Level::error, e.what());
        return std::nullopt;
    }
    const std::string staged = staging->path() + "/file";
    const std::string command = ssh_command(plan.host, config, {.remote_user = plan.remote_user},
                                            remote_read(remote_path)) +
                                " > " + text::shell_quote(staged);
    log::info("copying \"{}\" from host \"{}\":\n  {}", remote_path, plan.host, command);
    const auto outcome = exec::run_shell(
        command, std::chrono::duration_cast<std::chrono::milliseconds>(kConfigCopyTimeout),
        Level::error);
    std::optional<FetchedFile> fetched;
    if (outcome.ok())
        fetched = mode_and_contents(read_whole_file(staged));
    if (!fetched)
        detail(Level::error,
               outcome.ok()
                   ? fmt::format("no file mode came first in what \"{}\" sent", remote_path)
                   : outcome_detail(outcome, "the SSH command",
                                    fmt::format("{} seconds", kConfigCopyTimeout.count())));
    return fetched;
}

// repmgr's error for a file that could not be copied; true when the clone goes on anyway (-F).
bool copy_failed(const ConfigFile& file, const ConfigCopyPlan& plan) {
    log::error("standby clone: unable to copy config file \"{}\"",
               fs::path(file.path).filename().string());
    hint(Level::error, "see preceding messages for details");
    return plan.force;
}

// Puts the file's last fetched copy at `destination`; false after the reason.
bool place_fetched(const ConfigFile& file, const std::string& destination) {
    if (auto failure = place_config_file(*file.fetched, destination)) {
        detail(Level::error, *failure);
        return false;
    }
    return true;
}

bool has_external_files(const ConfigCopyPlan& plan) {
    for (const auto& file : plan.files) {
        if (!file.in_data_directory)
            return true;
    }
    return false;
}

}  // namespace

std::vector<ConfigFile> config_file_locations(pg::Connection& source) {
    const std::string data_directory = cluster::data_directory(source);
    std::vector<ConfigFile> files;
    for (auto& path : cluster::configuration_file_paths(source)) {
        const bool inside = inside_directory(path, data_directory);
        files.push_back({std::move(path), inside, {}});
    }
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

std::optional<std::pair<std::string, std::string>> same_name_files(
    const std::vector<ConfigFile>& files) {
    for (std::size_t i = 0; i < files.size(); ++i) {
        for (std::size_t j = i + 1; j < files.size(); ++j) {
            if (!files[i].in_data_directory && !files[j].in_data_directory &&
                fs::path(files[i].path).filename() == fs::path(files[j].path).filename())
                return std::make_pair(files[i].path, files[j].path);
        }
    }
    return std::nullopt;
}

std::optional<std::string> place_config_file(const FetchedFile& file,
                                             const std::string& destination) {
    if (auto failure = make_directory(fs::path(destination).parent_path().string()))
        return failure;
    const auto perms = static_cast<fs::perms>(file.mode) & fs::perms::mask;
    // As rsync leaves a file that has the contents and mode already (samepath on the source
    // host itself): a directory this host may read but not write is no failure then.
    std::error_code same_ec;
    if (fs::status(destination, same_ec).permissions() == perms && !same_ec &&
        read_whole_file(destination) == file.contents)
        return std::nullopt;
    if (auto failure = lease::write_file_atomically(destination, file.contents, file.mode))
        return fmt::format("unable to write \"{}\": {}", destination, *failure);
    return std::nullopt;
}

std::optional<std::string> make_directory(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!ec)
        return std::nullopt;
    return fmt::format("unable to create directory \"{}\": {}", dir, ec.message());
}

std::optional<int> prepare_config_copy(pg::Connection& source, const ConninfoParams& source_params,
                                       const CliOptions& options,
                                       const config::RepmgrConfig& config, ConfigCopyPlan& plan) {
    // pg_settings shows where a setting comes from only to a session that reads every setting.
    std::optional<pg::Connection> privileged;
    if (auto stop = open_settings_reader(source, source_params, options.superuser, privileged))
        return stop;
    try {
        plan.files = config_file_locations(privileged ? *privileged : source);
    } catch (const pg::PgError& e) {
        log::error("unable to retrieve configuration file locations");
        detail(Level::error, e.what());
        log::notice("unable to proceed without establishing configuration file locations");
        return model::kErrBadConfig;
    }
    // repmgr copies both, the second over the first, without a word. ERR_BAD_CONFIG, as for
    // every clone repmgr refuses before it copies anything (unreachable SSH, unknown
    // tablespace mappings); ERR_BAD_RSYNC would say a copy was tried and failed.
    if (plan.into_data_directory) {
        if (const auto same = same_name_files(plan.files)) {
            const auto name = fs::path(same->first).filename().string();
            log::error(
                "external configuration files \"{}\" and \"{}\" have the same file name \"{}\"",
                same->first, same->second, name);
            detail(Level::error,
                   fmt::format("--copy-external-config-files=pgdata would copy both to \"{}\"",
                               config_file_destination(same->first, true, plan.data_directory)));
            hint(Level::error,
                 "use --copy-external-config-files=samepath, or give one of them another name "
                 "on the source node");
            return model::kErrBadConfig;
        }
    }
    if (!has_external_files(plan))
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
    log::notice("copying external configuration files from upstream node \"{}\"",
                plan.upstream_host);
    for (auto& file : plan.files) {
        // pg_basebackup copies what lies inside the data directory.
        if (file.in_data_directory)
            continue;
        // samepath: to the file's own path now, as repmgr's trial copy; pgdata: fetched only,
        // for the data directory pg_basebackup has yet to make.
        file.fetched = fetch_file(file.path, plan, config);
        const bool copied =
            file.fetched && (plan.into_data_directory || place_fetched(file, file.path));
        if (!copied && !copy_failed(file, plan))
            return model::kErrBadRsync;
    }
    return std::nullopt;
}

int install_config_files(ConfigCopyPlan& plan, const config::RepmgrConfig& config) {
    if (!has_external_files(plan))
        return model::kSuccess;
    log::notice("copying external configuration files from upstream node \"{}\"",
                plan.upstream_host);
    for (auto& file : plan.files) {
        if (file.in_data_directory)
            continue;
        // Fetched again, as repmgr copies every file again after the backup: a file changed
        // while the backup ran is copied as it is now.
        if (auto now = fetch_file(file.path, plan, config)) {
            file.fetched = std::move(now);
        } else if (file.fetched) {
            log::warning("\"{}\" is copied as it was before the backup", file.path);
        }
        const auto destination =
            config_file_destination(file.path, plan.into_data_directory, plan.data_directory);
        const bool copied = file.fetched && place_fetched(file, destination);
        if (!copied && !copy_failed(file, plan))
            return model::kErrBadRsync;
    }
    return model::kSuccess;
}

}  // namespace pgwarden::cli::standby
