// On-demand benchmark (test/bench/README.md): HAProxy-shaped checks, one new connection each,
// against pgwarden-probe on a real primary and against nginx serving a static 200, both under the
// same hog and flood at the same time: 5,000 idle keep-alive connections each and a flood of new
// connections from one source. Prints a Markdown table of the checks' latencies.
#include "binaries.hpp"
#include "child_process.hpp"
#include "http_client.hpp"
#include "pg_cluster.hpp"
#include "ports.hpp"
#include "tcp_flood.hpp"
#include "wait.hpp"

#include <fmt/format.h>

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using namespace pgwarden::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kIdleSources = 50;
constexpr int kIdlePerSource = 100;
// Checks at least this slow are listed with their position in the run.
constexpr double kSlowMs = 50;
// `option httpchk`: nginx answers 400 to `OPTIONS GET` (a target that is not a path), so both
// servers get HAProxy's default check; the probe answers both the same way.
constexpr std::string_view kCheck = "OPTIONS / HTTP/1.0\r\n\r\n";
// The probe's HTTP path alone, without the PostgreSQL query behind a role check.
constexpr std::string_view kLiveness = "OPTIONS /liveness HTTP/1.0\r\n\r\n";

struct Check {
    int status = 0;
    double ms = 0;
};

// One check on a new connection: connect, send, read until the end of the headers or a close.
Check timed_check(int port, std::string_view request = kCheck) {
    const auto start = Clock::now();
    Check check;
    auto fd = connect_from("127.0.0.1", port);
    if (!fd)
        return check;
    ::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
    std::string bytes;
    char buffer[1024];
    while (bytes.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::recv(fd.get(), buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        bytes.append(buffer, static_cast<std::size_t>(n));
    }
    check.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (bytes.size() >= 12 && bytes.starts_with("HTTP/1."))
        check.status = std::atoi(bytes.c_str() + 9);
    return check;
}

struct Summary {
    std::size_t count = 0, failed = 0;
    double p50 = 0, p99 = 0, max = 0;
};

Summary summarize(const std::vector<Check>& checks) {
    Summary s;
    std::vector<double> ms;
    for (const auto& c : checks) {
        ++s.count;
        if (c.status != 200)
            ++s.failed;
        ms.push_back(c.ms);
    }
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) {
        return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))];
    };
    s.p50 = at(0.50);
    s.p99 = at(0.99);
    s.max = ms.back();
    return s;
}

ChildProcess start_nginx(const std::string& dir, int port) {
    const auto conf = dir + "/nginx.conf";
    std::ofstream(conf) << fmt::format(
        "daemon off;\nmaster_process off;\nworker_processes 1;\nworker_rlimit_nofile 20000;\n"
        "pid {0}/nginx.pid;\nerror_log {0}/nginx-error.log warn;\n"
        "events {{ worker_connections 12000; }}\n"
        "http {{ access_log off; keepalive_timeout 600s; keepalive_requests 100000;\n"
        "  client_body_temp_path {0}; proxy_temp_path {0}; fastcgi_temp_path {0};\n"
        "  uwsgi_temp_path {0}; scgi_temp_path {0};\n"
        "  server {{ listen 127.0.0.1:{1}; location / {{ return 200 \"ok\\n\"; }} }} }}\n",
        dir, port);
    return ChildProcess({"/usr/sbin/nginx", "-c", conf, "-e", dir + "/nginx-error.log"},
                        dir + "/nginx.log");
}

}  // namespace

int main(int argc, char* argv[]) {
    const int checks_per_server = argc > 1 ? std::atoi(argv[1]) : 2000;
#if defined(__SANITIZE_ADDRESS__)
    // A sanitized probe (PGWARDEN_SANITIZE=1) is several times slower: no figure to print.
    std::fprintf(stderr,
                 "built with sanitizers (PGWARDEN_SANITIZE=1): build a plain tree, e.g. "
                 "PGWARDEN_BUILD_DIR=build-plain scripts/setup\n");
    return 1;
#endif
    if (raise_own_fd_limit() < 16000) {
        std::fprintf(stderr, "need RLIMIT_NOFILE >= 16000 (10,000 idle connections and floods)\n");
        return 1;
    }
    PgCluster cluster(1);
    const int probe_port = free_tcp_port();
    const int nginx_port = free_tcp_port();
    ChildProcess probe(
        {probe_bin(), "--listen", "127.0.0.1", "--port", std::to_string(probe_port), "--conninfo",
         cluster.node(1).conninfo(), "--ini", "/dev/null", "--log-level", "WARNING",
         "--max-connections", "6000", "--max-connections-per-source", "100", "--read-timeout",
         "600000", "--max-connection-age", "600000"},
        cluster.dir() + "/probe.log");
    auto nginx = start_nginx(cluster.dir(), nginx_port);
    for (int port : {probe_port, nginx_port}) {
        if (!wait_until([&] { return http_status("127.0.0.1", port, "/", 1000ms) == 200; }, 20s,
                        50ms)) {
            std::fprintf(stderr, "server on port %d does not answer 200 on /:\n%s\n%s\n", port,
                         probe.log_contents().c_str(), nginx.log_contents().c_str());
            return 1;
        }
    }

    const std::string keep_alive = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    auto idle_probe = open_idle_keep_alive(probe_port, loopback_sources(kIdleSources, 1),
                                           kIdlePerSource, keep_alive);
    auto idle_nginx = open_idle_keep_alive(nginx_port, loopback_sources(kIdleSources, 2),
                                           kIdlePerSource, keep_alive);
    // Both floods run during both servers' checks, so the machine is as loaded for each.
    ConnectionFlood flood_probe(probe_port, "127.0.0.3", 500, 10'000'000);
    ConnectionFlood flood_nginx(nginx_port, "127.0.0.4", 500, 10'000'000);
    wait_until([&] { return flood_probe.connects() >= 1000 && flood_nginx.connects() >= 1000; },
               60s, 10ms);

    // Interleaved, one check each in turn, so drift in the machine's load hits both alike.
    std::vector<Check> probe_checks, liveness_checks, nginx_checks;
    for (int i = 0; i < checks_per_server; ++i) {
        probe_checks.push_back(timed_check(probe_port));
        liveness_checks.push_back(timed_check(probe_port, kLiveness));
        nginx_checks.push_back(timed_check(nginx_port));
    }
    const auto flood_connects = flood_probe.connects() + flood_nginx.connects();
    flood_probe.stop();
    flood_nginx.stop();

    const auto p = summarize(probe_checks);
    const auto l = summarize(liveness_checks);
    const auto n = summarize(nginx_checks);
    std::printf("idle keep-alive connections held: probe %zu, nginx %zu; flood connects: %zu\n\n",
                idle_probe.size(), idle_nginx.size(), flood_connects);
    std::printf(
        "| server | checks | not 200 | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n");
    for (const auto& [name, s] :
         {std::pair{"pgwarden-probe `OPTIONS /` (role check on a real primary)", p},
          std::pair{"pgwarden-probe `OPTIONS /liveness` (no query)", l},
          std::pair{"nginx 1.22 `OPTIONS /` (static 200)", n}}) {
        std::printf("| %s | %zu | %zu | %.2f | %.2f | %.2f |\n", name, s.count, s.failed, s.p50,
                    s.p99, s.max);
    }
    std::printf("\np99 ratio probe / nginx: %.2f\n", p.p99 / n.p99);
    // The slow tail by position in the run: a burst at one moment and a spread tell apart.
    for (const auto& [name, checks] :
         {std::pair{"role", &probe_checks}, std::pair{"liveness", &liveness_checks},
          std::pair{"nginx", &nginx_checks}}) {
        for (std::size_t i = 0; i < checks->size(); ++i) {
            if ((*checks)[i].ms >= kSlowMs)
                std::printf("slow %s check #%zu: %.2f ms\n", name, i, (*checks)[i].ms);
        }
    }
    // The probe's own timing of its queries, to tell a slow query from a slow HTTP path.
    const auto metrics =
        http_request("127.0.0.1", probe_port, "GET /metrics HTTP/1.0\r\n\r\n", 2000ms);
    for (std::size_t at = 0;
         (at = metrics.body.find("pgwarden_probe_query", at)) != std::string::npos;) {
        const auto end = metrics.body.find('\n', at);
        std::printf("%s\n", metrics.body.substr(at, end - at).c_str());
        at = end;
    }
    return p.failed == 0 && l.failed == 0 ? 0 : 2;
}
