// A blocking, minimal HTTP client for tests: sends the exact bytes a test gives (HAProxy's
// health-check request, a malformed one, a pipelined pair) and reads one response.
#pragma once

#include "wait.hpp"

#include <chrono>
#include <string>

namespace pgwarden::test {

struct HttpResult {
    int status = 0;                  // from the status line; 0 when no (parsable) response arrived
    std::string headers;             // raw: status line and header lines, up to the empty line
    std::string body;                // de-chunked when the response was chunked
    bool connection_closed = false;  // the server closed the connection (read returned 0)
    bool timed_out = false;          // the deadline passed before the response was complete
    std::string error;  // why there is no response (connect refused, ...); "" otherwise

    // The value of header `name` (case-insensitive), or "" when absent.
    std::string header(const std::string& name) const;
};

// Connects to host:port (numeric address or name), sends `raw_request` unchanged, and reads
// until the server closes or one response is complete (Content-Length, or the last chunk).
// The whole exchange is bounded by `timeout`. Never throws for network conditions: they are
// reported in `error` / `timed_out`.
HttpResult http_request(const std::string& host, int port, const std::string& raw_request,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// Sends `raw_request` and returns every byte received until the server closes or `timeout`
// passes: for pipelining and keep-alive tests that look at several responses.
std::string http_exchange_raw(const std::string& host, int port, const std::string& raw_request,
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// "GET <path> HTTP/1.0\r\n\r\n" -> the status code, or -1 when there was no response.
int http_status(const std::string& host, int port, const std::string& path,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace pgwarden::test
