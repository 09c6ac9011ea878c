#include "pg/host_addresses.hpp"

#include "text/conninfo.hpp"

#include <boost/asio/ip/address.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pgwarden::pg {

namespace {

std::vector<std::string> split_commas(std::string_view text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        parts.emplace_back(text.substr(start, comma - start));
        if (comma == std::string_view::npos)
            return parts;
        start = comma + 1;
    }
}

std::string join_commas(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? "," : "") + parts[i];
    return out;
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

bool HostLookup::any() const {
    return std::find(needs_dns.begin(), needs_dns.end(), true) != needs_dns.end();
}

HostLookup plan_lookup(std::string_view conninfo) {
    HostLookup lookup;
    const auto parsed = text::parse_conninfo(conninfo);
    if (parsed.error || parsed.value_of("hostaddr"))
        return lookup;
    const auto host = parsed.value_of("host");
    if (!host || host->empty())
        return lookup;
    lookup.hosts = split_commas(*host);
    // libpq: one port for all hosts, or one per host.
    const auto port = parsed.value_of("port");
    if (const auto ports = port ? split_commas(*port).size() : 0;
        ports > 1 && ports != lookup.hosts.size()) {
        lookup.error =
            fmt::format("could not match {} port numbers to {} hosts", ports, lookup.hosts.size());
    }
    for (const auto& h : lookup.hosts) {
        // libpq: a leading '/' or '@' is a socket directory (or abstract socket), not a host.
        const bool socket = h.empty() || h.front() == '/' || h.front() == '@';
        lookup.needs_dns.push_back(!socket && !is_ip_literal(h));
    }
    return lookup;
}

std::optional<std::string> with_host_addresses(
    std::string_view conninfo, const HostLookup& lookup,
    const std::vector<std::vector<std::string>>& addresses) {
    const auto parsed = text::parse_conninfo(conninfo);
    const auto port_value = parsed.value_of("port");
    const auto ports = port_value ? split_commas(*port_value) : std::vector<std::string>{};
    if (ports.size() > 1 && ports.size() != lookup.hosts.size())
        return std::nullopt;  // plan_lookup said why
    std::vector<std::string> hosts, hostaddrs, out_ports;
    for (std::size_t i = 0; i < lookup.hosts.size(); ++i) {
        // libpq: one port for all hosts, or one per host.
        const std::string port = ports.empty() ? "" : ports.size() == 1 ? ports[0] : ports[i];
        if (!lookup.needs_dns[i]) {
            hosts.push_back(lookup.hosts[i]);
            hostaddrs.emplace_back();
            out_ports.push_back(port);
            continue;
        }
        for (const auto& address : addresses.at(i)) {
            hosts.push_back(lookup.hosts[i]);
            hostaddrs.push_back(address);
            out_ports.push_back(port);
        }
    }
    if (hosts.empty())
        return std::nullopt;
    std::string out;
    for (const auto& param : parsed.params) {
        if (param.keyword == "host" || param.keyword == "hostaddr" || param.keyword == "port")
            continue;
        out += param.keyword + "=" + text::quote_conninfo_value(param.value) + " ";
    }
    out += "host=" + text::quote_conninfo_value(join_commas(hosts));
    out += " hostaddr=" + text::quote_conninfo_value(join_commas(hostaddrs));
    if (!ports.empty())
        out += " port=" + text::quote_conninfo_value(join_commas(out_ports));
    return out;
}

}  // namespace pgwarden::pg
