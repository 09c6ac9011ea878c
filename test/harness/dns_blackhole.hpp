// A resolver that never answers, seen only by the processes a test starts through it: a UDP
// socket on a loopback address that takes DNS queries and drops them, and a shell run in a mount
// namespace of its own whose /etc/resolv.conf names that socket, so the machine's stays untouched.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace pgwarden::test {

class DnsBlackhole {
  public:
    // How long a lookup of any name hangs before it fails (resolv.conf: timeout:10 attempts:2).
    static constexpr std::chrono::seconds kLookupHang{20};
    // The exit code of shell() when the namespace's resolv.conf could not be mounted.
    static constexpr int kMountFailed = 90;

    // `address`: a loopback address of the test's own, so tests running at once do not collide.
    // Writes the resolv.conf into `dir`, which must exist.
    DnsBlackhole(std::string address, std::string dir);
    ~DnsBlackhole();
    DnsBlackhole(const DnsBlackhole&) = delete;
    DnsBlackhole& operator=(const DnsBlackhole&) = delete;

    // Whether the socket is bound (port 53 needs root).
    bool bound() const { return bound_; }
    // argv for run_command: `sh -c script args...` (so $0 is args[0]) with the blackhole as the
    // only name server.
    std::vector<std::string> shell(const std::string& script,
                                   const std::vector<std::string>& args) const;

  private:
    std::string resolv_conf_;
    int fd_ = -1;
    bool bound_ = false;
};

}  // namespace pgwarden::test
