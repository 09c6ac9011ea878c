#include "replication_files.hpp"

#include "standby_actions.hpp"

namespace pgwarden::cli::standby {

void write_replication_config(const config::RepmgrConfig& config,
                              const ReplicationSettings& settings) {
    const std::string auto_conf = config.data_directory + "/postgresql.auto.conf";
    write_text_file(auto_conf, rewrite_auto_conf(read_text_file(auto_conf),
                                                 replication_settings_lines(settings)));
    write_text_file(config.data_directory + "/standby.signal", "");
}

}  // namespace pgwarden::cli::standby
