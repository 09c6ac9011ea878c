// What a health-check request asks and what we answer: Patroni's endpoint semantics, pure.
// The HTTP server parses bytes; this file turns (method, target, node state) into a status.
#pragma once

#include "observation.hpp"
#include "text/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::probe {

enum class Endpoint {
    primary,
    replica,
    read_only,
    health,
    readiness,
    sync,   // /sync, /synchronous: a synchronous (or quorum) standby, as pgwardend last saw it
    async,  // /async, /asynchronous: a standby that is not
    liveness,
    metrics,
    not_found
};
enum class Method { get, head, options, other };

struct Route {
    Endpoint endpoint = Endpoint::not_found;
    Method method = Method::get;
    std::string path;                            // query stripped; echoed in the 404 body
    std::optional<std::uint64_t> max_lag_bytes;  // ?lag=, replica, read-only and readiness checks
    bool write_mode = false;  // /readiness?mode=write: the received WAL's lag, not the replayed
    std::optional<std::string> bad_request;  // set: answer 400 with this reason
};

// "primary", "replica", "read_only", ... : the `endpoint` label of the checks metric.
std::string_view endpoint_name(Endpoint endpoint);

// Patroni's routes. A target that is not an absolute path (HAProxy's `option httpchk GET` sends
// `OPTIONS GET HTTP/1.0`) is the primary check, as the socat script it replaces ignored it.
Route parse_route(std::string_view method, std::string_view target);

// "16MB" -> 16777216: bytes, or a number with B/kB/MB/GB/TB (1024 multiples, any case) as
// Patroni's parse_int(value, 'B'); fractions round to the next smaller unit. Nothing on error.
std::optional<std::uint64_t> parse_lag(std::string_view value);

// False when the answer does not depend on PostgreSQL: no query is run for it.
bool needs_node_state(const Route& route);

// How much of the reply goes on the wire: GET all; HEAD the headers (with the GET body's
// Content-Length); OPTIONS the status line and Content-Length: 0, as HAProxy reads only the code.
enum class BodyMode { full, headers_only, none };
enum class ContentKind { json, prometheus };

struct Reply {
    unsigned status = 503;
    std::string body;  // JSON; empty for ContentKind::prometheus (the server renders metrics)
    ContentKind content = ContentKind::json;
    BodyMode body_mode = BodyMode::full;
    bool allow_header = false;  // 405: the server adds "Allow: GET, HEAD, OPTIONS"
};

inline constexpr std::string_view kAllowedMethods = "GET, HEAD, OPTIONS";

// The answer to `route` given what the check saw; every primary decision goes through
// cluster::is_writable_primary.
Reply decide(const Route& route, const Observation& state);

// /readiness's lag limit without ?lag=: Patroni's maximum_lag_on_failover default, 1 MiB.
inline constexpr std::uint64_t kReadinessDefaultLagBytes = 1024 * 1024;

// The answer to a route that needs no node state; a route that does need one is answered as if
// PostgreSQL were unreachable (503), so a caller's mistake fails closed.
Reply decide(const Route& route);

// A JSON {"error": message} reply, for requests the HTTP layer rejects (400, 413, 431, 503).
Reply error_reply(unsigned status, std::string_view message, Method method = Method::get);

using text::json_string;

}  // namespace pgwarden::probe
