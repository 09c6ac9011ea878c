// pgwardend's command line: repmgrd's own options, so the PGDG unit works unchanged.
#pragma once

#include <optional>
#include <string>

namespace pgwarden::daemon {

struct DaemonOptions {
    std::string config_file;  // -f/--config-file; empty: repmgr's search order
    bool daemonize = true;    // -d/--daemonize[=bool]
};

}  // namespace pgwarden::daemon
