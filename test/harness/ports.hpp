// Free loopback ports for test servers (PostgreSQL nodes, the probe, HAProxy).
#pragma once

namespace pgwarden::test {

// A TCP port on 127.0.0.1 that was free when this returned: the kernel picks it (bind to port 0,
// read it back, close), so it is only a good guess — the caller binds it a moment later, and in
// between anything may take it. Mitigations:
//   - a port is never handed out twice by one process;
//   - a port handed out is reserved for this process's lifetime with an flock() on
//     /tmp/pgwarden-test-ports/<port>, which every other harness process (ctest -j) respects;
//   - what remains (an unrelated program, or an outgoing connection's local port, taking it in
//     the gap) is rare, and callers that own the bind retry on EADDRINUSE with a new port
//     (PgCluster does when a node first starts).
// Throws std::runtime_error when no port could be found.
int free_tcp_port();

}  // namespace pgwarden::test
