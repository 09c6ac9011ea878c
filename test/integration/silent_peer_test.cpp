// A peer that stops answering mid-conversation (a dropped link, a frozen VM): the daemon's
// connections notice within the silence budget that daemon_conninfo's keepalives and
// tcp_user_timeout set, where without them a query would wait for the kernel's 15 minutes.
#include "pg_cluster.hpp"
#include "silent_link.hpp"

#include "cluster/daemon_queries.hpp"
#include "cluster_io.hpp"
#include "exec/in_parallel.hpp"
#include "failover/membership.hpp"
#include "pg/async_connection.hpp"
#include "text/keepalives.hpp"

#include <libpq-fe.h>
#include <sys/socket.h>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using namespace pgwarden;
using pgwarden::test::PgCluster;
using pgwarden::test::SilentLink;
using Clock = std::chrono::steady_clock;

namespace {

// The harness's conninfo says connect_timeout=2: a silence budget of 5 s. Linux may round a
// keepalive or retransmission tick up; three budgets is far from the 15 minutes without.
const auto kBudget = std::chrono::seconds(text::silence_budget_secs(2));
const auto kBound = 3 * kBudget;

std::string through(const SilentLink& link) {
    return link.conninfo_prefix() + " user=postgres dbname=postgres connect_timeout=2";
}

config::RepmgrConfig config_for(const std::string& conninfo) {
    config::RepmgrConfig config;
    config.node_id = 2;
    config.conninfo = conninfo;
    return config;
}

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

TEST_CASE("a daemon query to a peer that went silent fails within the silence budget",
          "[daemon][silent]") {
    PgCluster cluster(1);
    SilentLink link(cluster.node(1).port);
    const SilentLink::Inside inside(link);
    const auto config = config_for(through(link));

    std::string error;
    auto conn = daemon::open(config.conninfo, config, &error);
    INFO(error);
    REQUIRE(conn);
    cluster::run_check_query(*conn, "SELECT 1");  // the path works before the silence
    CHECK(std::string(PQparameterStatus(conn->get(), "application_name")) == "pgwardend");

    link.silence();
    const auto start = Clock::now();
    CHECK_THROWS_AS(cluster::run_check_query(*conn, "SELECT 1"), pg::PgError);
    const auto took = since(start);
    INFO("the query failed after " << took.count() << " ms");
    CHECK(took >= 2s);  // it really went unanswered
    CHECK(took < kBound);
}

TEST_CASE("without keepalives the same silent query is still waiting past that bound",
          "[daemon][silent]") {
    PgCluster cluster(1);
    SilentLink link(cluster.node(1).port);
    const SilentLink::Inside inside(link);
    // What daemon_conninfo gave before: only connect_timeout bounds anything.
    auto conn = pg::Connection::open(through(link) + " keepalives=0 tcp_user_timeout=0");
    cluster::run_check_query(conn, "SELECT 1");

    link.silence();
    auto query = std::async(std::launch::async, [&conn] {
        try {
            cluster::run_check_query(conn, "SELECT 1");
            return std::string("answered");
        } catch (const pg::PgError& e) {
            return std::string(e.what());
        }
    });
    CHECK(query.wait_for(kBound) == std::future_status::timeout);
    // Ends the wait from this side; the kernel would take about 15 minutes.
    ::shutdown(PQsocket(conn.get()), SHUT_RDWR);
    REQUIRE(query.wait_for(10s) == std::future_status::ready);
    CHECK(query.get() != "answered");
}

TEST_CASE("the idle upstream watch reports a silent upstream within the silence budget",
          "[daemon][silent]") {
    PgCluster cluster(1);
    SilentLink link(cluster.node(1).port);
    const SilentLink::Inside inside(link);

    boost::asio::io_context io;
    pg::AsyncConnection watch(io);
    std::optional<std::string> connect_error;
    watch.async_connect(daemon::daemon_conninfo(through(link)),
                        [&](const std::string& e) { connect_error = e; });
    for (const auto until = Clock::now() + 10s; !connect_error && Clock::now() < until;)
        io.run_for(100ms);
    REQUIRE(connect_error);
    REQUIRE(connect_error->empty());
    REQUIRE(watch.connected());

    std::optional<Clock::time_point> broken_at;
    watch.on_broken([&](const std::string&) { broken_at = Clock::now(); });
    io.restart();
    io.run_for(1s);
    REQUIRE_FALSE(broken_at);  // a quiet upstream that answers its keepalives stays up

    link.silence();
    const auto start = Clock::now();
    io.restart();
    while (!broken_at && Clock::now() - start < kBound + 5s)
        io.run_for(200ms);
    REQUIRE(broken_at);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(*broken_at - start);
    INFO("the watch saw the drop after " << took.count() << " ms");
    // Less than the budget is right: the kernel counts the silence from the last packet heard.
    CHECK(took >= 1s);
    CHECK(took < kBound);
    watch.close();
}

TEST_CASE("the election's view of a silent node is not visible, and no worker is waited for",
          "[daemon][silent]") {
    PgCluster cluster(1);
    SilentLink link(cluster.node(1).port);
    const SilentLink::Inside inside(link);
    // node 2 answers over the Unix socket, which no network namespace cuts; node 3 is the
    // same server through the link.
    cluster::NodeRecord live;
    live.node_id = 2;
    live.node_name = "node2";
    live.conninfo = fmt::format("host={} port={} user=postgres dbname=postgres connect_timeout=2",
                                cluster.dir(), cluster.node(1).port);
    cluster::NodeRecord silent = live;
    silent.node_id = 3;
    silent.node_name = "node3";
    silent.conninfo = through(link);
    const auto config = config_for(live.conninfo);

    // A connection opened before the silence, then observed as the election observes.
    auto held = daemon::open(silent.conninfo, config);
    REQUIRE(held);
    link.silence();
    auto view = failover::view_of(silent);
    auto start = Clock::now();
    CHECK_FALSE(daemon::observe(*held, view));
    CHECK_FALSE(view.visible);
    CHECK(since(start) < kBound);

    // Asked afresh, in parallel with a live node, under a limit shorter than the connect:
    // the silent one counts as not visible at the limit, the live one as seen.
    const auto done = std::make_shared<std::atomic<int>>(0);
    start = Clock::now();
    const auto views = exec::in_parallel(
        std::vector<cluster::NodeRecord>{live, silent}, 1s,
        [config, done](const cluster::NodeRecord& node) {
            auto seen = failover::view_of(node);
            if (auto conn = daemon::open(node.conninfo, config))
                seen.visible = daemon::in_recovery(*conn).has_value();
            ++*done;
            return seen;
        },
        [](const cluster::NodeRecord& node) { return failover::view_of(node); });
    const auto took = since(start);
    INFO("in_parallel returned after " << took.count() << " ms");
    CHECK(took < 1800ms);
    REQUIRE(views.size() == 2);
    CHECK(views[0].visible);
    CHECK_FALSE(views[1].visible);
    // The late worker ends on its own within connect_timeout; wait for it, bounded, so it does
    // not outlive the namespace.
    const auto until = Clock::now() + 10s;
    while (done->load() < 2 && Clock::now() < until)
        std::this_thread::sleep_for(50ms);
    CHECK(done->load() == 2);

    // Every kind of upstream check fails within the connect bound.
    for (const auto type :
         {config::ConnectionCheckType::ping, config::ConnectionCheckType::connection,
          config::ConnectionCheckType::query}) {
        auto check_config = config;
        check_config.connection_check_type = type;
        start = Clock::now();
        const auto check = daemon::check_upstream(check_config, silent.conninfo);
        INFO("check type " << static_cast<int>(type) << ": " << check.error);
        CHECK_FALSE(check.alive);
        CHECK(since(start) < kBound);
    }
}
