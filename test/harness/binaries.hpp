// The programs under test at a path the postgres OS user can run: tests run as root and start
// them as postgres, and a checkout under /root (mode 700) is out of postgres's reach.
#pragma once

#include <string>

namespace pgwarden::test {

const std::string& cli_bin();     // pgwarden
const std::string& daemon_bin();  // pgwardend
const std::string& probe_bin();   // pgwarden-probe

// `built` itself when not running as root; otherwise a copy in a world-readable directory under
// /tmp, named by the binary's size and time so that every test process of a build shares it.
std::string runnable_by_postgres(const std::string& built);

}  // namespace pgwarden::test
