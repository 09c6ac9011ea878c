// libFuzzer entry point for the probe's routing: a request's method and target (path and query
// string, ?lag= and its units) to a route, and a route plus a node state to a reply.
//
// The contract under test: no target crashes, hangs or trips a sanitizer, and whatever the target
// says, only a writable primary answers 200 to a primary check and only a serving standby within
// ?lag= answers 200 to a replica check: HAProxy routes writes on these answers.
#include "routing.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using pgwarden::cluster::NodeState;
using pgwarden::probe::Endpoint;

NodeState primary() {
    NodeState state;
    state.reachable = true;
    state.in_recovery = false;
    state.timeline = 1;
    return state;
}

NodeState standby(std::uint64_t lag) {
    NodeState state = primary();
    state.in_recovery = true;
    state.streaming = true;
    state.replay_lag_bytes = lag;
    return state;
}

void require(bool holds) {
    if (!holds)
        std::abort();
}

}  // namespace

// The first line is the method, the rest the target: a corpus file reads as the request line.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string_view method =
        newline == std::string_view::npos ? "GET" : input.substr(0, newline);
    const std::string_view target =
        newline == std::string_view::npos ? input : input.substr(newline + 1);

    const auto route = pgwarden::probe::parse_route(method, target);
    pgwarden::probe::parse_lag(target);
    if (route.bad_request)
        require(!route.bad_request->empty());

    const NodeState states[] = {primary(), standby(0), standby(UINT64_MAX), NodeState{}};
    for (const auto& state : states) {
        const auto reply = pgwarden::probe::decide(route, state);
        require(reply.status >= 200 && reply.status < 600);
        if (reply.status != 200 || route.bad_request)
            continue;
        const bool is_primary = &state == &states[0];
        if (route.endpoint == Endpoint::primary)
            require(is_primary);
        if (route.endpoint == Endpoint::replica) {
            require(state.in_recovery && state.reachable);
            require(!route.max_lag_bytes || *state.replay_lag_bytes <= *route.max_lag_bytes);
        }
    }
    pgwarden::probe::decide(route);
    return 0;
}
