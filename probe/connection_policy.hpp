// Who may hold one of the probe's HTTP connections, and for how long: the rules that keep
// HAProxy's checks served while other clients flood or hog the port. Pure bookkeeping with time
// as a parameter; the server (http_server.hpp) performs what it decides.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pgwarden::probe {

using PolicyClock = std::chrono::steady_clock;

// An address block of --allow: "10.0.0.0/8", "2001:db8::/32", or one address ("192.0.2.7").
// IPv4 is kept as IPv4-mapped IPv6, so a dual-stack socket's ::ffff:a.b.c.d matches a.b.c.d/n.
struct Cidr {
    std::array<unsigned char, 16> network{};  // host bits cleared
    unsigned prefix = 128;                    // of the 128 bits
};

std::optional<Cidr> parse_cidr(std::string_view text);

// "10.0.0.0/8, 192.0.2.7 ::1" (commas or spaces): the blocks, or an error naming the bad one.
struct AllowList {
    std::vector<Cidr> blocks;  // empty: every source is allowed
    std::string error;         // set: the text is not a list of blocks
};
AllowList parse_allow_list(std::string_view text);

bool allows(const std::vector<Cidr>& blocks, const boost::asio::ip::address& source);

struct AdmissionLimits {
    // Connections open at once, from everyone.
    std::size_t max_connections = 512;
    // Connections open at once from one source address, so one client (or a NAT of many) cannot
    // take the slots HAProxy's checks need.
    std::size_t max_connections_per_source = 64;
    std::vector<Cidr> allow;  // empty: every source
};

// Why a connection was closed before a word was said. Never a 503: HAProxy would read it as
// "not primary", and a client that can open connections could then mark the primary down.
enum class Refusal { not_allowed, source_full, server_full };
std::string_view refusal_name(Refusal refusal);  // "not_allowed", "source_full", "server_full"

// The source a connection from `address` counts against: the address itself, or for IPv6 its /64
// network (host bits zero).
boost::asio::ip::address counted_source(const boost::asio::ip::address& address);
// "10.0.0.1", or "2001:db8:1:2::/64": how messages name a counted source.
std::string counted_source_text(const boost::asio::ip::address& address);

using ConnectionId = std::uint64_t;

struct Admitted {
    ConnectionId id = 0;
    // An idle keep-alive connection to close to make room, the one idle the longest.
    std::optional<ConnectionId> evict;
};
using Admission = std::variant<Admitted, Refusal>;

// The open connections, by source and by how long they have waited idle for a next request.
class AdmissionTable {
  public:
    explicit AdmissionTable(AdmissionLimits limits) : limits_(std::move(limits)) {}

    // A new connection from `source`: admitted (perhaps in place of an idle one, which the table
    // already counts as gone), or refused. Idle connections are reaped before anyone is refused
    // for a full server: a request in progress is worth more than a connection kept just in case.
    Admission admit(const boost::asio::ip::address& source);

    // The connection answered and waits for its next request: it may be reaped from now on.
    void idle(ConnectionId id, PolicyClock::time_point now);
    // A request is being read or answered on it: not to be reaped.
    void busy(ConnectionId id);
    // Gone (an evicted connection already is: nothing happens).
    void closed(ConnectionId id);

    std::size_t open() const { return connections_.size(); }
    std::size_t open_from(const boost::asio::ip::address& source) const;
    std::size_t idle_count() const { return idle_.size(); }
    const AdmissionLimits& limits() const { return limits_; }

  private:
    using Key = std::array<unsigned char, 16>;
    struct Entry {
        Key source;
        std::optional<PolicyClock::time_point> idle_since;
    };
    void forget(std::map<ConnectionId, Entry>::iterator it);

    AdmissionLimits limits_;
    ConnectionId next_id_ = 1;
    std::map<ConnectionId, Entry> connections_;
    std::map<Key, std::size_t> per_source_;
    std::set<std::pair<PolicyClock::time_point, ConnectionId>> idle_;  // oldest first
};

// How long one keep-alive connection may be used: a client sending a request every few seconds
// must not hold its slot for ever.
struct KeepAliveLimits {
    std::size_t max_requests = 100;            // answers per connection; the last says close
    std::chrono::milliseconds max_age{60000};  // from accept; the answer after it says close
};

// Whether the answer to the `answered`-th request (1 for the first) may keep the connection open.
bool may_keep_alive(const KeepAliveLimits& limits, std::size_t answered,
                    PolicyClock::time_point opened, PolicyClock::time_point now);

// How long to wait for the next request on a kept-alive connection: read_timeout, but never
// past the connection's maximum age.
std::chrono::milliseconds idle_wait(const KeepAliveLimits& limits,
                                    std::chrono::milliseconds read_timeout,
                                    PolicyClock::time_point opened, PolicyClock::time_point now);

}  // namespace pgwarden::probe
