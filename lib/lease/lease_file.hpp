// The lease on disk: pgwardend writes it (atomically: a new file renamed over the old one) every
// monitor interval, pgwarden-probe reads it for each check that needs it (a few hundred bytes).
// It lives outside /run on purpose: after a reboot an old lease is still there, void by its
// boot_id, so the probe of a node that was a primary fails safe until pgwardend has judged it.
#pragma once

#include "failover/lease.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace pgwarden::lease {

// Where it lives unless pgwarden.ini says otherwise; one file per node.
inline constexpr const char* kDefaultLeaseDirectory = "/var/lib/pgwarden";
std::string lease_path(const std::string& directory, int node_id);

// This boot's identity (/proc/sys/kernel/random/boot_id) and CLOCK_MONOTONIC in milliseconds:
// what a lease is measured against.
std::string boot_id();
std::int64_t monotonic_ms();

// Writes `lease` to `path` (creating its directory, mode 0755, when missing); an error message
// when it could not.
std::optional<std::string> write_lease(const std::string& path, const failover::Lease& lease);

failover::LeaseLook look_at_lease(const std::string& path);

// Whether a lease can be written in `directory` (created when missing): a test file is written
// and removed. An error message when it cannot.
std::optional<std::string> check_lease_directory(const std::string& directory);

}  // namespace pgwarden::lease
