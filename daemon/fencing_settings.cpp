#include "fencing_settings.hpp"

#include "config/config_error.hpp"
#include "config/pgwarden_ini.hpp"
#include "lease/lease_file.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <cctype>
#include <cstdint>
#include <filesystem>

namespace pgwarden::daemon {
namespace {

namespace po = boost::program_options;

// Longest a fence timeout or margin may be: longer would only delay every failover.
constexpr int kMaxFenceSeconds = 3600;

po::options_description daemon_section() {
    po::options_description desc;
    // clang-format off
    desc.add_options()
        ("fence-action", po::value<std::string>()->default_value("read-only"), "")
        ("fence-timeout", po::value<int>()->default_value(10), "")
        ("fence-margin", po::value<int>()->default_value(6), "")
        ("lease-directory", po::value<std::string>()->default_value(lease::kDefaultLeaseDirectory), "")
        ("synchronous-mode", po::value<std::string>()->default_value("off"), "")
        ("synchronous-node-count", po::value<int>()->default_value(1), "")
        ("synchronous-standby-timeout", po::value<int>()->default_value(10), "")
        ("maximum-lag-on-failover", po::value<std::string>()->default_value(""), "");
    // clang-format on
    return desc;
}

// A bad value, said at the file and line that set it.
[[noreturn]] void refuse(const config::IniSection& section, const std::string& path,
                         const std::string& key, const std::string& reason) {
    const auto found = section.find(key);
    if (found == section.end())
        throw config::ConfigError(path, 0, reason);
    throw config::ConfigError(found->second.file, found->second.line, reason);
}

int bounded(const po::variables_map& vm, const config::IniSection& section, const std::string& path,
            const char* key, int min, int max, const char* unit) {
    const int value = vm[key].as<int>();
    if (value < min || value > max)
        refuse(section, path, key,
               fmt::format("{} must be between {} and {}{}, not {}", key, min, max, unit, value));
    return value;
}

int seconds(const po::variables_map& vm, const config::IniSection& section, const std::string& path,
            const char* key, int min) {
    return bounded(vm, section, path, key, min, kMaxFenceSeconds, " seconds");
}

// Patroni's notation: a byte count, optionally with kB, MB or GB (1024-based, as PostgreSQL).
std::optional<std::uint64_t> parse_byte_count(const std::string& text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
        ++digits;
    const auto number = text::parse_number<std::uint64_t>(std::string_view(text).substr(0, digits));
    if (!number)
        return std::nullopt;
    const auto unit = text.substr(digits);
    std::uint64_t factor = 1;
    if (unit == "kB")
        factor = 1024;
    else if (unit == "MB")
        factor = 1024 * 1024;
    else if (unit == "GB")
        factor = 1024 * 1024 * 1024;
    else if (!unit.empty())
        return std::nullopt;
    if (*number > UINT64_MAX / factor)
        return std::nullopt;
    return *number * factor;
}

failover::SyncSettings sync_settings(const po::variables_map& vm, const config::IniSection& section,
                                     const std::string& path) {
    failover::SyncSettings sync;
    const auto mode_text = vm["synchronous-mode"].as<std::string>();
    const auto mode = failover::parse_sync_mode(mode_text);
    if (!mode)
        refuse(section, path, "synchronous-mode",
               fmt::format("invalid synchronous-mode \"{}\": use off, on or strict", mode_text));
    sync.mode = *mode;
    sync.node_count = bounded(vm, section, path, "synchronous-node-count", 1, 64, "");
    sync.standby_timeout =
        std::chrono::seconds(seconds(vm, section, path, "synchronous-standby-timeout", 1));
    const auto lag_text = vm["maximum-lag-on-failover"].as<std::string>();
    if (!lag_text.empty()) {
        sync.maximum_lag_on_failover = parse_byte_count(lag_text);
        if (!sync.maximum_lag_on_failover)
            refuse(section, path, "maximum-lag-on-failover",
                   fmt::format("invalid maximum-lag-on-failover \"{}\": a byte count, "
                               "optionally with kB, MB or GB",
                               lag_text));
    }
    return sync;
}

}  // namespace

FencingSettings load_fencing_settings(const std::optional<std::string>& ini_path) {
    const auto desc = daemon_section();
    po::variables_map vm;
    po::store(po::parsed_options(&desc), vm);
    config::IniSection section;
    const std::string path = ini_path.value_or(config::kDefaultPgwardenIni);
    if (ini_path || std::filesystem::exists(path)) {
        const auto sections = config::load_pgwarden_ini(path);
        if (const auto daemon = sections.find("daemon"); daemon != sections.end()) {
            section = daemon->second;
            config::merge_ini_section(desc, vm, section);
        }
    }
    po::notify(vm);

    FencingSettings settings;
    const auto action_text = vm["fence-action"].as<std::string>();
    const auto action = failover::parse_fence_action(action_text);
    if (!action)
        refuse(section, path, "fence-action",
               fmt::format("invalid fence-action \"{}\": use off, probe, read-only or stop",
                           action_text));
    settings.fence.action = *action;
    settings.fence.timeout = std::chrono::seconds(seconds(vm, section, path, "fence-timeout", 1));
    settings.fence.balancer_margin =
        std::chrono::seconds(seconds(vm, section, path, "fence-margin", 0));
    settings.lease_directory = vm["lease-directory"].as<std::string>();
    if (settings.lease_directory.empty() || settings.lease_directory.front() != '/')
        refuse(section, path, "lease-directory", "lease-directory must be an absolute path");
    settings.sync = sync_settings(vm, section, path);
    return settings;
}

}  // namespace pgwarden::daemon
