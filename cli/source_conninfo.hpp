// The node a command copies from or attaches through, as the command line names it: -h/-p/-U,
// and -d, which may itself be a whole conninfo (standby clone, node rejoin), as repmgr accepts.
#pragma once

#include "cli_options.hpp"
#include "standby_decisions.hpp"

#include <string>

namespace pgwarden::cli::standby {

// True when -d's value is a conninfo (key=value or URI) rather than a database name.
bool is_conninfo_text(const std::string& value);

// The connection keywords -d, -h, -p and -U give; a conninfo in -d wins over -h/-p/-U, as in
// repmgr.
// Throws std::invalid_argument when -d is a conninfo libpq cannot parse.
ConninfoParams source_params(const CliOptions& options);

}  // namespace pgwarden::cli::standby
