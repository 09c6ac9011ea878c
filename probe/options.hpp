// pgwarden-probe's settings: command line over pgwarden.ini's [probe] section over repmgr.conf.
#pragma once

#include "role_checker.hpp"
#include "server_limits.hpp"
#include "tls_settings.hpp"

#include "log/log.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::probe {

struct ProbeSettings {
    std::string listen = "*";  // "*": every address, IPv6 and IPv4
    unsigned short port = 5445;
    CheckerSettings checker;
    AcceptCheckSettings accept;  // the checker's conninfo; its query_timeout bounds an attempt
    LeaseSettings lease;         // pgwardend's lease: fencing mode, where, for which node
    ServerLimits limits;
    TlsSettings tls;  // certfile empty: plain HTTP
    log::Level log_level = log::Level::info;
    std::string log_file;               // empty: stderr (journald under systemd)
    std::vector<std::string> warnings;  // from the config files, logged once at start
};

// What the command line asked for: settings to run with, or text to print and an exit code.
struct ParsedCommandLine {
    std::optional<ProbeSettings> settings;
    std::string output;  // --help / --version text
};

// Throws std::runtime_error (config errors carry file:line) on bad input.
ParsedCommandLine parse_command_line(int argc, const char* const argv[]);

}  // namespace pgwarden::probe
