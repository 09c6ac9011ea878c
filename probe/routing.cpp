// Patroni's health-check semantics over our NodeState; no I/O, so every case is a table row in
// test/unit/probe_routing_test.cpp.
#include "routing.hpp"

#include "text/ascii.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace pgwarden::probe {

namespace {

constexpr std::string_view kEndpointList =
    "/primary, /replica, /read-only, /health, /readiness, /sync, /async, /liveness, /metrics";

struct PathRoute {
    std::string_view path;
    Endpoint endpoint;
};

// Exact paths; `master` anywhere in a path is also the primary check, as in Patroni.
constexpr std::array<PathRoute, 14> kPaths{{
    {"/", Endpoint::primary},
    {"/primary", Endpoint::primary},
    {"/leader", Endpoint::primary},
    {"/read-write", Endpoint::primary},
    {"/replica", Endpoint::replica},
    {"/read-only", Endpoint::read_only},
    {"/health", Endpoint::health},
    {"/readiness", Endpoint::readiness},
    {"/sync", Endpoint::sync},
    {"/synchronous", Endpoint::sync},
    {"/async", Endpoint::async},
    {"/asynchronous", Endpoint::async},
    {"/liveness", Endpoint::liveness},
    {"/metrics", Endpoint::metrics},
}};

struct SizeUnit {
    std::string_view name;  // lower case; matched case-insensitively
    std::uint64_t bytes;
};

constexpr std::array<SizeUnit, 6> kUnits{{
    {"", 1},
    {"b", 1},
    {"kb", 1024ULL},
    {"mb", 1024ULL * 1024},
    {"gb", 1024ULL * 1024 * 1024},
    {"tb", 1024ULL * 1024 * 1024 * 1024},
}};

using text::ascii_lower;
using text::iequals;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = ascii_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// application/x-www-form-urlencoded as Python's parse_qs reads it: '+' is a space, and a bad
// %-escape stays as written.
std::string form_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// The first value of `key` in a query string, decoded.
std::optional<std::string> query_value(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        if (form_decode(pair.substr(0, eq)) != key)
            continue;
        return eq == std::string_view::npos ? std::string{} : form_decode(pair.substr(eq + 1));
    }
    return std::nullopt;
}

Method parse_method(std::string_view method) {
    // Methods are case-sensitive (RFC 9110 9.1): "get" is not GET.
    if (method == "GET")
        return Method::get;
    if (method == "HEAD")
        return Method::head;
    if (method == "OPTIONS")
        return Method::options;
    return Method::other;
}

// An absolute-form target (http://host/path, as sent to proxies) carries its path after the host.
std::string_view strip_scheme_and_host(std::string_view target) {
    for (std::string_view scheme : {std::string_view{"http://"}, std::string_view{"https://"}}) {
        if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
            const auto rest = target.substr(scheme.size());
            const auto slash = rest.find_first_of("/?");
            if (slash == std::string_view::npos)
                return "/";
            if (rest[slash] == '?')
                return std::string_view{"/"};  // http://host?q: the root, query ignored
            return rest.substr(slash);
        }
    }
    return target;
}

Endpoint endpoint_for_path(std::string_view path) {
    if (path.find("master") != std::string_view::npos)
        return Endpoint::primary;
    for (const auto& row : kPaths) {
        if (row.path == path)
            return row.endpoint;
    }
    return Endpoint::not_found;
}

BodyMode body_mode_for(Method method) {
    switch (method) {
        case Method::head:
            return BodyMode::headers_only;
        case Method::options:
            return BodyMode::none;
        case Method::get:
        case Method::other:
            break;
    }
    return BodyMode::full;
}

std::string json_optional_uint(const std::optional<std::uint64_t>& value) {
    return value ? fmt::to_string(*value) : std::string{"null"};
}

// The status body: what the check saw, never the error text (it may name hosts and paths).
std::string state_json(const Observation& state) {
    const bool reachable = state.reachable;
    const bool standby = cluster::role_of(state) == cluster::Role::standby;
    const std::optional<std::uint64_t> timeline =
        reachable && state.timeline ? std::optional<std::uint64_t>{*state.timeline} : std::nullopt;
    const std::optional<std::uint64_t> lag = standby ? state.replay_lag_bytes : std::nullopt;
    std::string extra;
    if (!state.lease_note.empty())
        extra += fmt::format(R"(,"lease_valid":{},"lease":{})",
                             state.lease_allows_primary ? "true" : "false",
                             json_string(state.lease_note));
    if (standby && state.sync_state)
        extra += fmt::format(R"(,"sync_state":{})", json_string(*state.sync_state));
    return fmt::format(
        R"({{"role":{},"state":"{}","in_recovery":{},"timeline":{},"replication_state":{},"lag_bytes":{},"accepting_connections":{}{}}})",
        json_string(cluster::role_name(cluster::role_of(state))),
        reachable ? "running" : "unreachable",
        reachable ? (state.in_recovery ? "true" : "false") : "null", json_optional_uint(timeline),
        standby && state.streaming ? R"("streaming")" : "null", json_optional_uint(lag),
        state.accepting_connections ? "true" : "false", extra);
}

// Patroni's replica check: running in recovery and, when ?lag= is given, known to be within it.
// Unknown lag (WAL receiver not streaming) never passes a lag limit. A standby that takes no new
// connections is no use to the read-only clients HAProxy would send it.
bool replica_passes(const Route& route, const cluster::NodeState& state) {
    if (!cluster::is_serving(state) || cluster::role_of(state) != cluster::Role::standby)
        return false;
    if (!route.max_lag_bytes)
        return true;
    return state.replay_lag_bytes && *state.replay_lag_bytes <= *route.max_lag_bytes;
}

// Patroni's /readiness: the leader, or a streaming standby within the lag (?lag=, else 1 MiB) of
// the WAL it replayed, or with ?mode=write of the WAL it received.
bool ready(const Route& route, const Observation& state) {
    if (cluster::is_writable_primary(state))
        return true;
    if (!cluster::is_serving(state) || cluster::role_of(state) != cluster::Role::standby ||
        !state.streaming)
        return false;
    const auto lag = route.write_mode ? state.receive_lag_bytes : state.replay_lag_bytes;
    return lag && *lag <= route.max_lag_bytes.value_or(kReadinessDefaultLagBytes);
}

// Patroni's /sync and /async: a standby the primary waits for (sync, or a quorum member), or one
// it does not. Without a fresh record from pgwardend nothing is known to be synchronous, so
// every standby answers as asynchronous, as Patroni's do without synchronous mode.
bool synchronous(const Observation& state) {
    return state.sync_state == "sync" || state.sync_state == "quorum";
}

bool passes(const Route& route, const Observation& state) {
    switch (route.endpoint) {
        case Endpoint::primary:
            return cluster::is_writable_primary(state);
        case Endpoint::replica:
            return replica_passes(route, state);
        case Endpoint::read_only:
            return cluster::is_writable_primary(state) || replica_passes(route, state);
        case Endpoint::health:
            return cluster::is_serving(state);
        case Endpoint::readiness:
            return ready(route, state);
        case Endpoint::sync:
            return replica_passes(route, state) && synchronous(state);
        case Endpoint::async:
            return replica_passes(route, state) && !synchronous(state);
        case Endpoint::liveness:
        case Endpoint::metrics:
            return true;
        case Endpoint::not_found:
            break;
    }
    return false;
}

}  // namespace

std::string_view endpoint_name(Endpoint endpoint) {
    switch (endpoint) {
        case Endpoint::primary:
            return "primary";
        case Endpoint::replica:
            return "replica";
        case Endpoint::read_only:
            return "read_only";
        case Endpoint::health:
            return "health";
        case Endpoint::readiness:
            return "readiness";
        case Endpoint::sync:
            return "sync";
        case Endpoint::async:
            return "async";
        case Endpoint::liveness:
            return "liveness";
        case Endpoint::metrics:
            return "metrics";
        case Endpoint::not_found:
            break;
    }
    return "not_found";
}

std::optional<std::uint64_t> parse_lag(std::string_view value) {
    value = trim(value);
    std::size_t pos = 0;
    while (pos < value.size() && is_digit(value[pos]))
        ++pos;
    const auto whole = value.substr(0, pos);
    std::string_view fraction;
    if (pos < value.size() && value[pos] == '.') {
        const auto start = ++pos;
        while (pos < value.size() && is_digit(value[pos]))
            ++pos;
        fraction = value.substr(start, pos - start);
        if (fraction.empty())
            return std::nullopt;
    }
    if (whole.empty() && fraction.empty())
        return std::nullopt;

    const auto unit_text = trim(value.substr(pos));
    const SizeUnit* unit = nullptr;
    for (const auto& row : kUnits) {
        if (iequals(unit_text, row.name))
            unit = &row;
    }
    if (unit == nullptr)
        return std::nullopt;

    std::uint64_t whole_value = 0;
    if (!whole.empty()) {
        const auto [end, ec] =
            std::from_chars(whole.data(), whole.data() + whole.size(), whole_value);
        if (ec != std::errc{} || end != whole.data() + whole.size())
            return std::nullopt;
    }
    if (fraction.empty()) {
        if (whole_value > std::numeric_limits<std::uint64_t>::max() / unit->bytes)
            return std::nullopt;
        return whole_value * unit->bytes;
    }

    // Patroni converts through a float and rounds to the next smaller unit (1.5MB is 1536kB);
    // nearbyint rounds half to even, as Python's round() does.
    long double number = static_cast<long double>(whole_value);
    long double scale = 0.1L;
    for (char digit : fraction) {
        number += (digit - '0') * scale;
        scale /= 10;
    }
    const long double step = unit->bytes > 1 ? static_cast<long double>(unit->bytes) / 1024 : 1.0L;
    const long double bytes = std::nearbyint(number * unit->bytes / step) * step;
    if (!(bytes < 18446744073709551616.0L))  // 2^64
        return std::nullopt;
    return static_cast<std::uint64_t>(bytes);
}

Route parse_route(std::string_view method, std::string_view target) {
    Route route;
    route.method = parse_method(method);

    const auto origin_form = strip_scheme_and_host(target);
    if (origin_form.empty() || origin_form.front() != '/') {
        // `OPTIONS GET`, `OPTIONS *`: the socat script never looked at the request line.
        route.endpoint = Endpoint::primary;
        route.path = std::string(target);
        return route;
    }

    const auto question = origin_form.find('?');
    const auto path = origin_form.substr(0, question);
    const auto query =
        question == std::string_view::npos ? std::string_view{} : origin_form.substr(question + 1);
    route.path = std::string(path);
    route.endpoint = endpoint_for_path(path);

    // Patroni: "write" measures the received WAL, anything else the replayed.
    route.write_mode = query_value(query, "mode") == "write";
    if (auto lag = query_value(query, "lag")) {
        route.max_lag_bytes = parse_lag(*lag);
        if (!route.max_lag_bytes) {
            route.bad_request = fmt::format(
                "bad lag value {}: give bytes or a size with unit B, kB, MB, GB or TB, e.g. "
                "?lag=16MB",
                json_string(std::string_view(*lag).substr(0, 40)));
        }
    }
    return route;
}

bool needs_node_state(const Route& route) {
    if (route.method == Method::other || route.bad_request)
        return false;
    switch (route.endpoint) {
        case Endpoint::primary:
        case Endpoint::replica:
        case Endpoint::read_only:
        case Endpoint::health:
        case Endpoint::readiness:
        case Endpoint::sync:
        case Endpoint::async:
            return true;
        case Endpoint::liveness:
        case Endpoint::metrics:
        case Endpoint::not_found:
            break;
    }
    return false;
}

Reply error_reply(unsigned status, std::string_view message, Method method) {
    Reply reply;
    reply.status = status;
    reply.body = fmt::format(R"({{"error":{}}})", json_string(message));
    reply.body_mode = body_mode_for(method);
    return reply;
}

Reply decide(const Route& route, const Observation& state) {
    if (route.method == Method::other) {
        auto reply = error_reply(405, "method not allowed: use GET, HEAD or OPTIONS");
        reply.allow_header = true;
        return reply;
    }
    if (route.bad_request)
        return error_reply(400, *route.bad_request, route.method);

    Reply reply;
    reply.body_mode = body_mode_for(route.method);
    switch (route.endpoint) {
        case Endpoint::primary:
        case Endpoint::replica:
        case Endpoint::read_only:
        case Endpoint::health:
        case Endpoint::readiness:
        case Endpoint::sync:
        case Endpoint::async:
            reply.status = passes(route, state) ? 200 : 503;
            reply.body = state_json(state);
            return reply;
        case Endpoint::liveness:
            reply.status = 200;
            reply.body = R"({"status":"alive"})";
            return reply;
        case Endpoint::metrics:
            reply.status = 200;
            reply.content = ContentKind::prometheus;
            return reply;
        case Endpoint::not_found:
            break;
    }
    return error_reply(404, fmt::format("no endpoint {}; try {}", route.path, kEndpointList),
                       route.method);
}

Reply decide(const Route& route) {
    return decide(route, Observation{});
}

}  // namespace pgwarden::probe
