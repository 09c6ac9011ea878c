// Which host names in a conninfo need DNS, and the conninfo that hands libpq the addresses found
// (hostaddr=), so libpq never resolves a name itself: its getaddrinfo would block the io_context's
// thread (the probe's only one, the daemon's loop), freezing every timer while a resolver is slow.
// Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::pg {

struct HostLookup {
    std::vector<std::string> hosts;  // host=, split on commas ("" for an empty entry)
    std::vector<bool> needs_dns;     // per host: a name, not an IP literal or a socket directory
    // Set: no lookup can make the conninfo work, and this says why in libpq's words ("could not
    // match 2 port numbers to 3 hosts"), so nobody waits for DNS to learn it.
    std::string error;
    bool any() const;
};

// Nothing to look up when the conninfo does not parse (libpq reports that), gives hostaddr=
// itself, or names no host (a socket, or PGHOST, which libpq reads).
HostLookup plan_lookup(std::string_view conninfo);

// The conninfo in key=value form with one host/hostaddr/port entry per address: a looked-up host
// is repeated once per address found (in resolver order: libpq tries them in turn, as it would
// have), others are kept with an empty hostaddr (libpq then uses host). Host names stay, for
// TLS verification and messages. `addresses[i]` belongs to `lookup.hosts[i]`; nullopt when no
// host had an address.
std::optional<std::string> with_host_addresses(
    std::string_view conninfo, const HostLookup& lookup,
    const std::vector<std::vector<std::string>>& addresses);

}  // namespace pgwarden::pg
