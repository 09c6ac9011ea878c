#include "daemon_wait.hpp"

namespace pgwarden::cli {

std::optional<int> daemon_wait_seconds(const CliOptions& options) {
    if (options.no_wait || options.capital_w || options.wait_seconds == 0)
        return std::nullopt;
    return options.wait_seconds.value_or(kDaemonWaitDefaultSecs);
}

}  // namespace pgwarden::cli
