// The DETAIL line for a bounded command that failed (exec::run_shell), shared by the programs
// standby clone runs around pg_basebackup.
#pragma once

#include "exec/shell.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace pgwarden::cli {

// "<what> did not finish within <limit>", why it could not be run, or its exit status and the
// end of its output.
inline std::string outcome_detail(const exec::CommandOutcome& outcome, std::string_view what,
                                  std::string_view limit) {
    if (outcome.timed_out)
        return fmt::format("{} did not finish within {}", what, limit);
    if (!outcome.error.empty())
        return outcome.error;
    if (outcome.output.empty())
        return fmt::format("{} exited with {}", what, outcome.exit_code);
    return fmt::format("{} exited with {}:\n{}", what, outcome.exit_code, outcome.output);
}

}  // namespace pgwarden::cli
