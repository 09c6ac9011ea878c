#include "fencing_settings.hpp"

#include "config/config_error.hpp"
#include "config/pgwarden_ini.hpp"
#include "lease/lease_file.hpp"

#include <fmt/format.h>
#include <boost/program_options.hpp>

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
        ("lease-directory", po::value<std::string>()->default_value(lease::kDefaultLeaseDirectory), "");
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

int seconds(const po::variables_map& vm, const config::IniSection& section, const std::string& path,
            const char* key, int min) {
    const int value = vm[key].as<int>();
    if (value < min || value > kMaxFenceSeconds)
        refuse(section, path, key,
               fmt::format("{} must be between {} and {} seconds, not {}", key, min,
                           kMaxFenceSeconds, value));
    return value;
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
    return settings;
}

}  // namespace pgwarden::daemon
