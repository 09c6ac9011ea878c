#include "dns_blackhole.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace pgwarden::test {

DnsBlackhole::DnsBlackhole(std::string address, std::string dir)
    : resolv_conf_(dir + "/resolv.conf") {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(53);
    if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1)
        throw std::invalid_argument(fmt::format("not an IPv4 address: \"{}\"", address));
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    std::ofstream out(resolv_conf_);
    out << fmt::format("nameserver {}\noptions timeout:{} attempts:2\n", address,
                       kLookupHang.count() / 2);
    if (!out.flush())
        throw std::runtime_error(fmt::format("could not write \"{}\"", resolv_conf_));
}

DnsBlackhole::~DnsBlackhole() {
    ::close(fd_);
}

std::vector<std::string> DnsBlackhole::shell(const std::string& script,
                                             const std::vector<std::string>& args) const {
    const auto mount =
        fmt::format("mount --bind '{}' /etc/resolv.conf || exit {}\n", resolv_conf_, kMountFailed);
    std::vector<std::string> argv = {"unshare", "-m", "sh", "-c", mount + script};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

}  // namespace pgwarden::test
