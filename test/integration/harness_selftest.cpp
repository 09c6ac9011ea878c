// The harness checks itself: clusters replicate, promote, crash and rejoin, and leave nothing
// behind — so a failing integration test points at pgwarden, not at its scaffolding.
#include "http_client.hpp"
#include "pg_cluster.hpp"
#include "ports.hpp"
#include "process.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::ChildProcess;
using pgwarden::test::PgCluster;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Answers one connection on 127.0.0.1:<port> with `response`, then closes it (or keeps it open
// until the client goes away, when keep_open).
class OneShotServer {
  public:
    OneShotServer(std::string response, bool keep_open) {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            listen(fd_, 1) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("test server: cannot listen on 127.0.0.1");
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this, response = std::move(response), keep_open] {
            int conn = accept(fd_, nullptr, nullptr);
            if (conn < 0)
                return;
            char buf[4096];
            [[maybe_unused]] auto got = recv(conn, buf, sizeof buf, 0);
            [[maybe_unused]] auto sent = send(conn, response.data(), response.size(), MSG_NOSIGNAL);
            if (keep_open)
                while (recv(conn, buf, sizeof buf, 0) > 0) {
                }
            close(conn);
        });
    }
    ~OneShotServer() {
        shutdown(fd_, SHUT_RDWR);  // unblocks accept() when no client came
        thread_.join();
        close(fd_);
    }
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
};

}  // namespace

TEST_CASE("the harness runs commands with a deadline and stops background processes", "[harness]") {
    auto ok = pgwarden::test::run_command({"sh", "-c", "echo out; echo err >&2; exit 3"}, 5s);
    CHECK(ok.exit_code == 3);
    CHECK(ok.out == "out\n");
    CHECK(ok.err == "err\n");

    // PostgreSQL refuses root; as_postgres switches to the postgres OS user only when root.
    const passwd* postgres = getpwnam("postgres");
    REQUIRE(postgres);
    auto who = pgwarden::test::run_command({"id", "-u"}, 5s, true);
    CHECK(who.out == fmt::format("{}\n", geteuid() == 0 ? postgres->pw_uid : geteuid()));

    auto started = std::chrono::steady_clock::now();
    auto slow = pgwarden::test::run_command({"sh", "-c", "sleep 30 & sleep 30"}, 300ms);
    CHECK(slow.timed_out);
    CHECK(slow.exit_code == pgwarden::test::kExitTimedOut);
    CHECK(std::chrono::steady_clock::now() - started < 5s);

    auto missing = [] { pgwarden::test::run_command({"/nonexistent/program"}, 1s); };
    CHECK_THROWS_WITH(missing(), Catch::Contains("could not execute"));

    auto log = fmt::format("/tmp/pgwarden-harness-child-{}.log", getpid());
    pid_t pid = 0;
    {
        ChildProcess child({"sh", "-c", "trap '' TERM; echo started; exec sleep 60"}, log);
        pid = child.pid();
        CHECK(pgwarden::test::wait_until([&] { return child.log_contents() == "started\n"; }, 5s));
        CHECK(child.running());
        CHECK(child.stop(SIGTERM, 200ms) == 128 + SIGKILL);  // it ignored SIGTERM
        CHECK_FALSE(child.running());
    }
    CHECK(kill(pid, 0) == -1);
    {
        ChildProcess child({"sh", "-c", "exit 7"}, log);
        CHECK(child.wait_exit(5s) == 7);
    }
    std::filesystem::remove(log);
}

TEST_CASE("the harness HTTP client reads sized, chunked and close-delimited responses",
          "[harness]") {
    using pgwarden::test::http_request;
    const std::string request = "OPTIONS / HTTP/1.0\r\n\r\n";
    {
        OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", true);
        auto r = http_request("127.0.0.1", server.port(), request, 2s);
        CHECK(r.status == 200);
        CHECK(r.body == "hello");
        CHECK(r.header("content-length") == "5");
        CHECK_FALSE(r.connection_closed);
        CHECK(r.error.empty());
    }
    {
        OneShotServer server(
            "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
            "4\r\nnot \r\n7\r\nprimary\r\n0\r\n\r\n",
            true);
        auto r = http_request("127.0.0.1", server.port(), request, 2s);
        CHECK(r.status == 503);
        CHECK(r.body == "not primary");
    }
    {
        OneShotServer server("HTTP/1.0 200 OK\r\n\r\nuntil close", false);
        auto r = http_request("127.0.0.1", server.port(), request, 2s);
        CHECK(r.status == 200);
        CHECK(r.body == "until close");
        CHECK(r.connection_closed);
    }
    {
        OneShotServer server("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
        CHECK(pgwarden::test::http_status("127.0.0.1", server.port(), "/primary") == 200);
    }
    const int closed_port = pgwarden::test::free_tcp_port();
    auto refused = http_request("127.0.0.1", closed_port, request, 2s);
    CHECK(refused.status == 0);
    CHECK_FALSE(refused.error.empty());
    CHECK(pgwarden::test::http_status("127.0.0.1", closed_port, "/") == -1);
}

TEST_CASE("a three-node harness cluster streams from its primary", "[harness]") {
    auto started = std::chrono::steady_clock::now();
    std::optional<PgCluster> cluster(std::in_place, 3);
    const double up = seconds_since(started);
    INFO("cluster in " << cluster->dir());

    CHECK_FALSE(cluster->is_in_recovery(1));
    CHECK(cluster->is_in_recovery(2));
    CHECK(cluster->is_in_recovery(3));

    cluster->psql(1, "CREATE TABLE harness_check (v text); INSERT INTO harness_check VALUES ('x')");
    for (int standby : {2, 3})
        cluster->wait_for_result(standby, "SELECT v FROM harness_check", "x");

    cluster->promote(2);
    CHECK_FALSE(cluster->is_in_recovery(2));

    started = std::chrono::steady_clock::now();
    cluster.reset();
    fmt::print(stderr, "harness timing: 3-node cluster up in {:.2f} s, torn down in {:.2f} s\n", up,
               seconds_since(started));
}

TEST_CASE(
    "a harness cluster's directory and processes are gone after teardown, even when the "
    "test failed",
    "[harness]") {
    unsetenv("PGWARDEN_KEEP_TEST_DIRS");  // keeping the directory is exactly what we test against
    std::string dir;
    std::vector<pid_t> pids;
    try {
        PgCluster cluster(2);
        dir = cluster.dir();
        for (int i = 1; i <= cluster.size(); ++i) {
            auto postmaster = cluster.postmaster_pid(i);
            REQUIRE(postmaster);
            pids.push_back(*postmaster);
            for (pid_t child : pgwarden::test::children_of(*postmaster))
                pids.push_back(child);
        }
        throw std::runtime_error("a test failed here");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()) == "a test failed here");
    }
    REQUIRE_FALSE(dir.empty());
    CHECK_FALSE(std::filesystem::exists(dir));
    REQUIRE(pids.size() > 2);  // postmasters and their children
    for (pid_t pid : pids) {
        INFO("pid " << pid);
        CHECK(kill(pid, 0) == -1);
        CHECK(errno == ESRCH);
    }
}

TEST_CASE("a harness cluster crashes, restarts, promotes, repoints and rewinds nodes",
          "[harness]") {
    PgCluster cluster(3);
    INFO("cluster in " << cluster.dir());
    cluster.psql(1, "CREATE TABLE harness_check (v int); INSERT INTO harness_check VALUES (1)");
    cluster.wait_caught_up(2, 1);
    cluster.wait_caught_up(3, 1);

    cluster.kill9(3);
    CHECK_FALSE(cluster.running(3));
    cluster.start(3);
    cluster.wait_streaming(3, 1);

    // A clean stop sends the standbys everything, so node3 can follow whichever is promoted.
    cluster.stop(1);
    cluster.promote(2);
    cluster.follow(3, 2);
    cluster.psql(2, "INSERT INTO harness_check VALUES (2)");
    cluster.wait_for_result(3, "SELECT count(*) FROM harness_check", "2");

    // Split brain: the old primary takes a write of its own, which pg_rewind must undo.
    cluster.start(1);
    cluster.psql(1, "INSERT INTO harness_check VALUES (99)");
    cluster.stop(1);
    cluster.rewind(1, 2);
    cluster.start(1);
    cluster.wait_streaming(1, 2);
    CHECK(cluster.is_in_recovery(1));
    cluster.wait_for_result(1, "SELECT count(*) FROM harness_check", "2");
}
