#include "rejoin_data_directory.hpp"

#include "standby_actions.hpp"

#include "cluster/node_rejoin_queries.hpp"
#include "exec/shell.hpp"
#include "model/exit_codes.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace pgwarden::cli::rejoin {
namespace {

namespace fs = std::filesystem;
using log::Level;
using standby::detail;
using standby::hint;

// pg_controldata answers at once; pg_rewind copies what diverged, which can take long on a big
// data directory, but not forever.
constexpr std::chrono::seconds kControlDataTimeout{30};
constexpr std::chrono::hours kRewindTimeout{6};

}  // namespace

std::optional<ControlData> read_controldata(const config::RepmgrConfig& config) {
    // LC_ALL=C: the field names are translated otherwise.
    const auto command =
        fmt::format("LC_ALL=C {} {}", standby::pg_program(config, "pg_controldata"),
                    shell_quote(config.data_directory));
    const auto outcome = exec::run_shell(command, kControlDataTimeout, Level::debug);
    if (!outcome.ok())
        return std::nullopt;
    return parse_controldata(outcome.output);
}

std::optional<int> read_server_version(const std::string& data_directory) {
    try {
        return version_num_from_pg_version(standby::read_text_file(data_directory + "/PG_VERSION"));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// The reason pg_rewind could not rewind this data directory from the primary, if any.
std::optional<std::string> rewind_obstacle(pg::Connection& primary, const ControlData& control) {
    const auto settings = cluster::rewind_settings(primary);
    if (!settings)
        return "unable to read \"full_page_writes\" and \"wal_log_hints\" on the rejoin target";
    if (!settings->full_page_writes)
        return "\"full_page_writes\" must be set to \"on\"";
    if (control.checksum_version == 0 && !settings->wal_log_hints)
        return "\"wal_log_hints\" must be set to \"on\", or data checksums must be enabled";
    return std::nullopt;
}

namespace {

// repmgr's copy_file: the copy is readable by its owner only, whatever the original's mode.
bool copy_private(const fs::path& from, const fs::path& to, std::error_code& ec) {
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (!ec)
        fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, ec);
    return !ec;
}

// --config-files: copied out of the data directory before pg_rewind overwrites them with the
// source's, as repmgr's _do_node_archive_config: the archive directory (one level, mode 0700) is
// emptied of regular files first, a missing file is skipped with a warning. Returns the exit
// code of a failure.
std::optional<int> archive_config_files(const RejoinOptions& options,
                                        const std::string& data_directory,
                                        const std::string& archive_dir, bool verbose) {
    if (verbose)
        log::debug("using archive directory \"{}\"", archive_dir);
    std::error_code ec;
    if (!fs::exists(archive_dir, ec)) {
        if (!fs::create_directory(archive_dir, ec) && ec) {
            log::error("unable to create temporary archive directory \"{}\"", archive_dir);
            detail(Level::error, ec.message());
            return model::kErrBadConfig;
        }
        fs::permissions(archive_dir, fs::perms::owner_all, ec);
    } else if (!fs::is_directory(archive_dir, ec)) {
        log::error("\"{}\" exists but is not a directory", archive_dir);
        return model::kErrBadConfig;
    }
    for (const auto& entry : fs::directory_iterator(archive_dir, ec)) {
        std::error_code remove_ec;
        if (entry.is_regular_file() && !fs::remove(entry.path(), remove_ec) && remove_ec) {
            log::error("unable to delete file in temporary archive directory");
            detail(Level::error, fmt::format("file is:  \"{}\"", entry.path().string()));
            detail(Level::error, remove_ec.message());
            return model::kErrBadConfig;
        }
    }
    int copied = 0;
    for (const auto& name : options.config_files) {
        const auto source = fs::path(data_directory) / name;
        const auto target = fs::path(archive_dir) / name;
        if (!fs::exists(source, ec)) {
            log::warning("specified file \"{}\" not found, skipping", source.string());
            continue;
        }
        if (verbose)
            log::debug("copying \"{}\" to \"{}\"", name, target.string());
        // repmgr says nothing here and counts the file as copied; pg_rewind will replace it.
        if (!copy_private(source, target, ec))
            log::warning("unable to copy \"{}\" to \"{}\"", source.string(), archive_dir);
        ++copied;
    }
    if (verbose)
        log::info("{} files copied to \"{}\"", copied, archive_dir);
    return std::nullopt;
}

// The archived files back into the data directory, as repmgr's _do_node_restore_config; the
// archive directory is removed once all came back.
void restore_config_files(const std::string& data_directory, const std::string& archive_dir,
                          bool verbose) {
    int copied = 0;
    bool all_ok = true;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(archive_dir, ec)) {
        if (!entry.is_regular_file())
            continue;
        const auto target = fs::path(data_directory) / entry.path().filename();
        if (verbose)
            log::debug("copying \"{}\" to \"{}\"", entry.path().string(), target.string());
        std::error_code copy_ec;
        if (!copy_private(entry.path(), target, copy_ec)) {
            all_ok = false;
            log::warning("unable to copy \"{}\" to \"{}\"", entry.path().filename().string(),
                         data_directory);
            continue;
        }
        fs::remove(entry.path(), copy_ec);
        ++copied;
    }
    log::notice("{} files copied to {}", copied, data_directory);
    if (!all_ok) {
        log::warning("unable to copy all files from \"{}\"", archive_dir);
        return;
    }
    if (!fs::remove(archive_dir, ec) && ec) {
        log::warning("unable to delete directory \"{}\"", archive_dir);
        detail(Level::warning, ec.message());
        hint(Level::warning, "directory may need to be manually removed");
    } else if (verbose) {
        log::info("directory \"{}\" deleted", archive_dir);
    }
}

}  // namespace

// pg_rewind, with standby.signal hidden while it runs crash recovery in single-user mode (which
// refuses to start with the file present).
std::optional<int> run_rewind(const config::RepmgrConfig& config, const RejoinOptions& options,
                              const std::string& command, const exec::Environment& environment,
                              bool unclean, const std::string& archive_dir, bool verbose) {
    if (const auto failed =
            archive_config_files(options, config.data_directory, archive_dir, verbose))
        return failed;
    log::notice("executing pg_rewind");
    detail(Level::notice, fmt::format("pg_rewind command is \"{}\"", command));
    const std::string signal_file = config.data_directory + "/standby.signal";
    if (unclean) {
        log::notice("temporarily removing \"standby.signal\"");
        detail(Level::notice, "this is required so pg_rewind can fix the unclean shutdown");
        std::error_code ec;
        fs::remove(signal_file, ec);
    }
    const auto outcome = exec::run_shell(command, kRewindTimeout, Level::debug, environment);
    if (unclean) {
        log::notice("recreating \"standby.signal\"");
        standby::write_text_file(signal_file, "");
    }
    if (!outcome.ok()) {
        log::error("unable to execute pg_rewind");
        detail(Level::error, outcome.timed_out ? "pg_rewind timed out" : outcome.output);
        return model::kErrRejoinFail;
    }
    restore_config_files(config.data_directory, archive_dir, verbose);
    return std::nullopt;
}

}  // namespace pgwarden::cli::rejoin
