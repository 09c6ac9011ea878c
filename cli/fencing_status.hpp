// What `service status` adds under repmgr's table for the local node: pgwardend's lease as its
// file says, and what pgwarden-probe answers from it, by the probe's own rule
// (failover::answer_from_lease). Pure: service.cpp reads pgwarden.ini and the files.
#pragma once

#include "failover/lease.hpp"

#include <cstdint>
#include <string>

namespace pgwarden::cli {

struct FencingView {
    int node_id = 0;
    std::string lease_path;      // where pgwardend writes it ([daemon] lease-directory)
    failover::LeaseLook lease;   // what is there
    std::string probe_path;      // where the probe reads it ([probe] lease-directory)
    failover::LeaseLook probed;  // what the probe sees there (the same when the paths are)
    failover::FencingMode probe_mode = failover::FencingMode::auto_;  // [probe] fencing
    std::string boot_id;      // this boot's (lease::boot_id)
    std::int64_t now_ms = 0;  // CLOCK_MONOTONIC (lease::monotonic_ms)
};

// pgwardend's verdict in a few words: "primary lease valid for 7 s (2 of 3 nodes seen)",
// "fenced: <reason>", "no lease file (<path>)", ...
std::string describe_lease(const FencingView& view);

// The section, each line ending in '\n':
//   Fencing on node 1 (this node): primary lease valid for 7 s (2 of 3 nodes seen)
//     pgwarden-probe answers 200 on /primary while the server is a primary: <why>
std::string format_fencing_status(const FencingView& view);

}  // namespace pgwarden::cli
