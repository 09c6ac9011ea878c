// The HTTP server's limits: bytes, time and connections a client may take, in one place.
#pragma once

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
    // Connections served at once. Beyond it a connection's request is still read and answered
    // "503 too many connections" with Connection: close: HAProxy then logs "Layer7 wrong status,
    // code: 503" with that reason instead of a socket error that looks like a crashed probe, and
    // the check fails either way. No check query is run for those.
    std::size_t max_connections = 512;
    // Beyond max_connections + this many, a new connection is closed at once without a word, so
    // a flood cannot use unbounded memory for 503 answers.
    std::size_t max_overflow_connections = 512;
    // After the last response on a connection we stop sending and read (and drop) what the
    // client still sends, for at most this long, so that closing with unread bytes does not
    // reset the connection before the client has read our answer (a 400 or 431 in particular).
    std::chrono::milliseconds close_linger{1000};
};

}  // namespace pgwarden::probe
