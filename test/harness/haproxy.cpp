#include "haproxy.hpp"

#include "pg_cluster.hpp"
#include "ports.hpp"
#include "run_command.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace pgwarden::test {

using namespace std::chrono_literals;

std::string haproxy_rw_config(int listen_port, const std::vector<std::pair<int, int>>& servers,
                              const std::string& check_options) {
    std::string config = fmt::format(
        "global\n"
        "    maxconn 100\n"
        "defaults\n"
        "    mode tcp\n"
        "    timeout connect 2s\n"
        "    timeout client 30s\n"
        "    timeout server 30s\n"
        "    timeout check 2s\n"
        "listen postgres_rw\n"
        "    bind 127.0.0.1:{}\n"
        "    option httpchk GET\n"
        "    http-check expect status 200\n"
        "    default-server inter 200ms fall 1 rise 1 on-marked-down shutdown-sessions\n",
        listen_port);
    int n = 0;
    for (const auto& [pg_port, probe_port] : servers) {
        config += fmt::format("    server node{} 127.0.0.1:{} check port {}{}{}\n", ++n, pg_port,
                              probe_port, check_options.empty() ? "" : " ", check_options);
    }
    return config;
}

namespace {

int write_config(const std::string& path, const std::vector<std::pair<int, int>>& servers,
                 const std::string& check_options) {
    const int port = free_tcp_port();
    std::ofstream out(path);
    out << haproxy_rw_config(port, servers, check_options);
    if (!out.flush())
        throw std::runtime_error(fmt::format("could not write \"{}\"", path));
    const auto check = run_command({kHaproxyBin, "-c", "-f", path}, 10s);
    if (!check.ok())
        throw std::runtime_error("haproxy refuses its configuration: " + check.describe());
    return port;
}

}  // namespace

HaproxyProcess::HaproxyProcess(const std::string& dir,
                               const std::vector<std::pair<int, int>>& servers,
                               const std::string& check_options, const std::string& name)
    : port_(write_config(fmt::format("{}/{}.cfg", dir, name), servers, check_options)),
      process_({kHaproxyBin, "-db", "-f", fmt::format("{}/{}.cfg", dir, name)},
               fmt::format("{}/{}.log", dir, name)) {}

std::string server_port_through(int haproxy_port) {
    const auto result =
        run_command({PgCluster::pg_bin("psql"), "-X", "-At", "-h", "127.0.0.1", "-p",
                     std::to_string(haproxy_port), "-U", "postgres", "-d", "postgres", "-c",
                     "SELECT inet_server_port() || ':' || pg_is_in_recovery()"},
                    10s);
    return result.ok() ? result.out.substr(0, result.out.find('\n')) : "";
}

}  // namespace pgwarden::test
