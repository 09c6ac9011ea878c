// A pgwarden-probe process for integration tests: started on a free loopback port against one
// node, ready when /liveness answers (or `ready` says so: a TLS listener needs another client),
// stopped by its destructor.
#pragma once

#include "binaries.hpp"
#include "http_client.hpp"
#include "pg_cluster.hpp"
#include "ports.hpp"
#include "process.hpp"
#include "wait.hpp"

#include <fmt/format.h>

#include <signal.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgwarden::test {

class ProbeProcess {
  public:
    ProbeProcess(const std::string& conninfo, const std::string& log_file,
                 std::vector<std::string> extra_args = {},
                 std::function<bool(int port)> ready_at = nullptr) {
        using namespace std::chrono_literals;
        for (int attempt = 1;; ++attempt) {
            port_ = free_tcp_port();
            std::vector<std::string> argv = {pgwarden::test::probe_bin(),
                                             "--listen",
                                             "127.0.0.1",
                                             "--port",
                                             std::to_string(port_),
                                             "--conninfo",
                                             conninfo,
                                             "--ini",
                                             "/dev/null",
                                             "--log-level",
                                             "DEBUG"};
            argv.insert(argv.end(), extra_args.begin(), extra_args.end());
            process_ = ChildProcess(argv, log_file);
            const auto answers = [&] {
                return ready_at ? ready_at(port_) : status("/liveness", 1000ms) == 200;
            };
            const bool ready =
                wait_until([&] { return !process_.running() || answers(); }, 10s, 20ms);
            if (ready && process_.running())
                return;
            // The port may have been taken between choosing and binding it: try another.
            if (attempt == 3 || (ready == false && process_.running())) {
                throw std::runtime_error(fmt::format("pgwarden-probe did not become ready:\n{}",
                                                     process_.log_contents()));
            }
        }
    }

    int port() const { return port_; }
    ChildProcess& process() { return process_; }

    int status(const std::string& path,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const {
        return http_status("127.0.0.1", port_, path, timeout);
    }
    HttpResult request(const std::string& raw,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const {
        return http_request("127.0.0.1", port_, raw, timeout);
    }
    HttpResult get(const std::string& path,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const {
        return request(fmt::format("GET {} HTTP/1.0\r\n\r\n", path), timeout);
    }

  private:
    int port_ = 0;
    ChildProcess process_;
};

inline std::string probe_log(const PgCluster& cluster, int node) {
    return fmt::format("{}/probe-node{}.log", cluster.dir(), node);
}

// The probe's own backends, as "pid|backend_start" lines (not its accept check's sessions).
inline std::string probe_backends(const PgCluster& cluster, int node) {
    return cluster.psql(node,
                        "SELECT pid || '|' || backend_start FROM pg_stat_activity"
                        " WHERE application_name = 'pgwarden-probe' ORDER BY pid");
}

// Resumes a SIGSTOPped process (a backend, a postmaster) whatever happens in the test.
struct ResumeOnExit {
    pid_t pid;
    ~ResumeOnExit() { ::kill(pid, SIGCONT); }
};

}  // namespace pgwarden::test
