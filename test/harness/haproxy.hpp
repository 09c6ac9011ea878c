// Debian's HAProxy in front of a test cluster: the read-write listener of the repmgr + socat
// guides (`option httpchk GET`, which sends "OPTIONS GET HTTP/1.0"), with fast checks so tests
// are short, on a free loopback port.
#pragma once

#include "child_process.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pgwarden::test {

inline constexpr const char* kHaproxyBin = "/usr/sbin/haproxy";

// `servers`: (PostgreSQL port, probe port) per node, node1 first. `check_options` go on every
// server line after `check port N`: e.g. "check-ssl verify required ca-file CA crt PEM" for a
// probe that serves TLS.
std::string haproxy_rw_config(int listen_port, const std::vector<std::pair<int, int>>& servers,
                              const std::string& check_options = "");

// haproxy -db with that configuration written to <dir>/haproxy.cfg (checked with -c first),
// stopped by its destructor.
class HaproxyProcess {
  public:
    // `name` keeps two HAProxies in one directory apart (<dir>/<name>.cfg, <name>.log).
    HaproxyProcess(const std::string& dir, const std::vector<std::pair<int, int>>& servers,
                   const std::string& check_options = "", const std::string& name = "haproxy");
    int port() const { return port_; }
    std::string log_contents() { return process_.log_contents(); }

  private:
    int port_ = 0;
    ChildProcess process_;
};

// The port of the PostgreSQL server a new session through HAProxy lands on and its recovery
// state ("5433:false"), or "" on failure.
std::string server_port_through(int haproxy_port);

}  // namespace pgwarden::test
