#include "config/pg_programs.hpp"

#include "config/host_probe.hpp"
#include "config/pg_bindir_locate.hpp"
#include "log/log.hpp"

namespace pgwarden::config {

std::string pg_program(const RepmgrConfig& config, const std::string& name) {
    auto program = locate_pg_program(system_host(), config.pg_bindir, config.data_directory, name);
    log::debug("{}: {}", program.path, program.reason);
    return std::move(program.path);
}

}  // namespace pgwarden::config
