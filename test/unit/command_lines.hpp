// The command lines the option tests parse, as each program's main() receives them: the program
// name first, then `args`.
#pragma once

#include "cli_options.hpp"
#include "options.hpp"

#include <vector>

namespace pgwarden::test {

inline cli::CliOptions pgwarden_args(std::vector<const char*> args) {
    args.insert(args.begin(), "pgwarden");
    return cli::parse_cli_options(static_cast<int>(args.size()), args.data());
}

// With the settings every probe command line needs and no pgwarden.ini of the machine's.
inline probe::ParsedCommandLine probe_args(std::vector<const char*> args) {
    args.insert(args.begin(), {"pgwarden-probe", "--ini", "/dev/null", "--conninfo", "host=x"});
    return probe::parse_command_line(static_cast<int>(args.size()), args.data());
}

}  // namespace pgwarden::test
