// The smallest valid repmgr.conf and how the repmgr.conf tests read a text as one, collecting
// every error instead of stopping at the first.
#pragma once

#include "config/repmgr_config.hpp"

#include <filesystem>
#include <string>

namespace pgwarden::test {

inline const std::string kRepmgrConfFile = "/etc/repmgr.conf";
inline const std::string kRequiredRepmgrConf =
    "node_id=1\n"
    "node_name='node1'\n"
    "conninfo='host=node1 user=repmgr dbname=repmgr connect_timeout=2'\n"
    "data_directory='/var/lib/postgresql/15/main'\n";

inline config::RepmgrConfig repmgr_conf_from_text(const std::string& text) {
    config::ParseOptions options;
    options.collect_errors = true;
    return config::build_repmgr_config(config::parse_pg_conf_text(text, kRepmgrConfFile, options),
                                       kRepmgrConfFile);
}

// The repository's top directory, for the shipped samples in etc/.
inline std::filesystem::path source_dir() {
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

}  // namespace pgwarden::test
