// The HTTP server's limits: bytes, time and connections a client may take, in one place.
#pragma once

#include "connection_policy.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace pgwarden::probe {

struct ServerLimits {
    std::uint32_t header_limit = 8192;  // request line + headers; more: 431, then close
    std::uint64_t body_limit = 8192;    // checks carry no body; more: 413, then close
    // From the start of a read (a keep-alive connection's idle wait included) to a whole request;
    // a client that is slower is cut off, so a slow-loris cannot hold a connection slot.
    std::chrono::milliseconds read_timeout{5000};
    std::chrono::milliseconds write_timeout{5000};  // one response; a client not reading is cut
    // Connections at once, from everyone and from one source address, and which sources may
    // connect at all (connection_policy.hpp). A connection over a limit is closed without a
    // word once an idle keep-alive connection cannot be reaped for it: never a 503, which HAProxy
    // would read as "not primary".
    AdmissionLimits admission;
    KeepAliveLimits keep_alive;  // answers and age per connection
    // After the last response on a connection we stop sending and read (and drop) what the
    // client still sends, for at most this long, so that closing with unread bytes does not
    // reset the connection before the client has read our answer (a 400 or 431 in particular).
    std::chrono::milliseconds close_linger{1000};
};

}  // namespace pgwarden::probe
