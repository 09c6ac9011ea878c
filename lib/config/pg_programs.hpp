// Where this node's PostgreSQL programs (pg_ctl, pg_rewind, pg_controldata, pg_waldump, ...)
// are: pg_bindir from repmgr.conf, else the server's own directory as locate_pg_program finds it
// (PGDG or Debian layout, pg_bindir_locate.hpp), else the bare name for PATH. The CLI and the
// daemon both run them.
#pragma once

#include "config/repmgr_config.hpp"

#include <string>

namespace pgwarden::config {

std::string pg_program(const RepmgrConfig& config, const std::string& name);

}  // namespace pgwarden::config
