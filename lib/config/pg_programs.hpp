// Where this node's PostgreSQL programs (pg_ctl, pg_rewind, pg_controldata, ...) are: pg_bindir
// from repmgr.conf, else Debian's PostgreSQL 15 directory when it has the program, else the bare
// name for PATH. The CLI and the daemon both run them.
#pragma once

#include "config/repmgr_config.hpp"

#include <string>

namespace pgwarden::config {

std::string pg_program(const RepmgrConfig& config, const std::string& name);

}  // namespace pgwarden::config

