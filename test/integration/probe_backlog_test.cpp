// Checks that queued in the listen backlog while the probe could not run (a stopped process, a
// loop busy elsewhere) are all answered once it runs again: the probe takes connections in
// batches, and must come back for what is left without a new connection to wake it.
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"
#include "tcp_flood.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>

#include <string>
#include <vector>

using namespace pgwarden::test;
using namespace std::chrono_literals;

TEST_CASE("checks queued in the backlog while the probe was stopped are all answered", "[probe]") {
    PgCluster cluster(1);
    ProbeProcess probe(cluster.node(1).conninfo(), probe_log(cluster, 1));
    // Several of the probe's accept batches, from four sources so that none reaches
    // --max-connections-per-source.
    constexpr int kPerSource = 25;
    const std::string check = "OPTIONS / HTTP/1.0\r\n\r\n";
    std::vector<ClientFd> clients;
    {
        REQUIRE(::kill(probe.process().pid(), SIGSTOP) == 0);
        ResumeOnExit resume{probe.process().pid()};
        for (const auto& source : loopback_sources(4, 5)) {
            for (int i = 0; i < kPerSource; ++i) {
                auto fd = connect_from(source, probe.port());
                REQUIRE(fd);  // the kernel completes the handshake into the backlog
                REQUIRE(::send(fd.get(), check.data(), check.size(), MSG_NOSIGNAL) ==
                        static_cast<ssize_t>(check.size()));
                clients.push_back(std::move(fd));
            }
        }
    }
    // Read every answer without blocking on any one connection, for at most 10 s in all.
    std::vector<std::string> answers(clients.size());
    const auto complete = [&] {
        std::size_t done = 0;
        for (std::size_t i = 0; i < clients.size(); ++i) {
            char buffer[512];
            const auto n = ::recv(clients[i].get(), buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0)
                answers[i].append(buffer, static_cast<std::size_t>(n));
            if (answers[i].find("\r\n\r\n") != std::string::npos)
                ++done;
        }
        return done == clients.size();
    };
    const bool all = wait_until(complete, 10s, 20ms);
    std::size_t ok = 0;
    for (const auto& answer : answers)
        ok += answer.rfind("HTTP/1.0 200 ", 0) == 0 ? 1 : 0;  // the request's version
    INFO(probe.process().log_contents());
    CHECK(all);
    CHECK(ok == clients.size());
}
