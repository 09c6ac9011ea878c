// Which repmgr.conf to read when -f is not given: repmgr 5.3's search order.
#pragma once

#include "config/host_probe.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::config {

// Debian's repmgr 5.3.3 has no packager path compiled in; its "sysconfdir" step looks in
// /etc/postgresql-common, which is also what Debian's `pg_config --sysconfdir` prints.
inline constexpr const char* kFallbackSysconfdir = "/etc/postgresql-common";

// PGDG's repmgr packages keep one file per PostgreSQL version, /etc/repmgr/NN/repmgr.conf, and
// build repmgr with that path as its "packager" step, searched before the others.
inline constexpr const char* kPgdgConfRoot = "/etc/repmgr";

// The /etc/repmgr/NN/repmgr.conf files that exist, newest version first.
std::vector<std::string> pgdg_repmgr_confs(const HostProbe& host);

// The places repmgr looks after the packager's path, in order: <cwd>/repmgr.conf, /etc/repmgr.conf,
// <sysconfdir>/repmgr.conf (duplicates dropped).
std::vector<std::string> repmgr_conf_candidates(const std::string& cwd,
                                                const std::string& sysconfdir);

// `pg_config --sysconfdir` when pg_config is on PATH and answers, else nothing.
std::optional<std::string> pg_config_sysconfdir();

// The working directory as the shell shows it: $PWD when it names the current directory (so
// symlinked paths stay as the operator typed them, as repmgr does), else getcwd().
std::string working_directory();

// With an explicit path (-f): that file as an absolute path; ConfigError if it does not exist.
// Without one: the PGDG file when there is exactly one (several versions on one host need -f,
// pgwarden cannot tell which one is meant: ConfigError naming them), else the first candidate
// that exists; ConfigError listing the places searched if none.
std::string locate_repmgr_conf(const std::optional<std::string>& explicit_path,
                               const HostProbe& host = system_host());

}  // namespace pgwarden::config
