// Pure: how long `daemon start|stop` waits for the daemon to come up or go away, from repmgr
// 5.3's -w/--wait[=SECS], --no-wait and -W.
#pragma once

#include "cli_options.hpp"

#include <optional>

namespace pgwarden::cli {

// repmgr's REPMGR_SERVICE_STOP_START_WAIT: the wait without --wait=SECS.
inline constexpr int kDaemonWaitDefaultSecs = 15;

// Seconds to wait, or nothing: --no-wait, -W (repmgr's getopt spelling of --no-wait) or
// --wait=0. repmgr waits forever on a -w/--wait without a value; that is the default here.
std::optional<int> daemon_wait_seconds(const CliOptions& options);

}  // namespace pgwarden::cli
