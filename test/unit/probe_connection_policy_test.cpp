// The probe's admission and keep-alive rules with a fake clock: no socket, no timer.
#include "connection_policy.hpp"
#include "fd_limit.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace probe = pgwarden::probe;
using boost::asio::ip::make_address;
using namespace std::chrono_literals;

namespace {

const probe::PolicyClock::time_point t0{};

probe::ConnectionId admitted(const probe::Admission& admission) {
    REQUIRE(std::holds_alternative<probe::Admitted>(admission));
    return std::get<probe::Admitted>(admission).id;
}

probe::Refusal refused(const probe::Admission& admission) {
    REQUIRE(std::holds_alternative<probe::Refusal>(admission));
    return std::get<probe::Refusal>(admission);
}

probe::AdmissionLimits limits(std::size_t total, std::size_t per_source) {
    probe::AdmissionLimits l;
    l.max_connections = total;
    l.max_connections_per_source = per_source;
    return l;
}

}  // namespace

TEST_CASE("address blocks parse as addresses with optional prefixes", "[probe][policy]") {
    struct Row {
        const char* text;
        bool valid;
    };
    const std::vector<Row> rows{
        {"10.0.0.0/8", true},    {"192.0.2.7", true},     {"::1", true},
        {"2001:db8::/32", true}, {"0.0.0.0/0", true},     {"::/0", true},
        {"10.0.0.0/33", false},  {"::/129", false},       {"10.0.0.0/", false},
        {"10.0.0.0/x", false},   {"host.example", false}, {"", false},
        {"10.0.0.0/8/8", false}, {"fe80::1%1", false},
    };
    for (const auto& row : rows) {
        INFO(row.text);
        CHECK(probe::parse_cidr(row.text).has_value() == row.valid);
    }
}

TEST_CASE("an allow list matches IPv4, IPv4-mapped IPv6 and IPv6 sources by prefix",
          "[probe][policy]") {
    const auto list = probe::parse_allow_list("10.1.0.0/16, 192.0.2.7  2001:db8::/32");
    REQUIRE(list.error.empty());
    REQUIRE(list.blocks.size() == 3);
    CHECK(probe::allows(list.blocks, make_address("10.1.200.3")));
    CHECK(probe::allows(list.blocks, make_address("::ffff:10.1.0.9")));  // dual-stack socket
    CHECK(probe::allows(list.blocks, make_address("192.0.2.7")));
    CHECK(probe::allows(list.blocks, make_address("2001:db8:1::5")));
    CHECK_FALSE(probe::allows(list.blocks, make_address("10.2.0.1")));
    CHECK_FALSE(probe::allows(list.blocks, make_address("192.0.2.8")));
    CHECK_FALSE(probe::allows(list.blocks, make_address("2001:db9::1")));
    CHECK_FALSE(probe::allows(list.blocks, make_address("::1")));
    // Host bits in the block are ignored, as ip(8) does.
    const auto loose = probe::parse_allow_list("10.1.2.3/8");
    CHECK(probe::allows(loose.blocks, make_address("10.200.0.1")));
    // An empty list allows everyone; a bad word rejects the whole list.
    CHECK(probe::allows(probe::parse_allow_list("").blocks, make_address("203.0.113.1")));
    const auto bad = probe::parse_allow_list("10.0.0.0/8, nonsense");
    CHECK(bad.blocks.empty());
    CHECK_THAT(bad.error, Catch::Contains("\"nonsense\""));
}

TEST_CASE("a source outside --allow is refused before it counts", "[probe][policy]") {
    auto l = limits(10, 10);
    l.allow = probe::parse_allow_list("127.0.0.2").blocks;
    probe::AdmissionTable table(l);
    CHECK(refused(table.admit(make_address("127.0.0.3"))) == probe::Refusal::not_allowed);
    CHECK(table.open() == 0);
    admitted(table.admit(make_address("127.0.0.2")));
    CHECK(table.open() == 1);
}

TEST_CASE("one source is capped while another still gets in", "[probe][policy]") {
    probe::AdmissionTable table(limits(100, 3));
    const auto flood = make_address("127.0.0.3");
    std::vector<probe::ConnectionId> ids;
    for (int i = 0; i < 3; ++i)
        ids.push_back(admitted(table.admit(flood)));
    CHECK(refused(table.admit(flood)) == probe::Refusal::source_full);
    // The same source as IPv4-mapped IPv6 is the same source.
    CHECK(refused(table.admit(make_address("::ffff:127.0.0.3"))) == probe::Refusal::source_full);
    admitted(table.admit(make_address("127.0.0.2")));  // HAProxy
    CHECK(table.open_from(flood) == 3);

    // Even idle, a source's own connections are not reaped for that source's next one.
    table.idle(ids[0], t0);
    CHECK(refused(table.admit(flood)) == probe::Refusal::source_full);
    table.closed(ids[1]);
    admitted(table.admit(flood));
}

TEST_CASE("an IPv6 source is capped by its /64, so one host cannot take every slot",
          "[probe][policy]") {
    probe::AdmissionTable table(limits(100, 2));
    admitted(table.admit(make_address("2001:db8:1:2::a")));
    admitted(table.admit(make_address("2001:db8:1:2:ffff::b")));  // same /64, other address
    CHECK(refused(table.admit(make_address("2001:db8:1:2::c"))) == probe::Refusal::source_full);
    CHECK(table.open_from(make_address("2001:db8:1:2::d")) == 2);
    // The next /64 is another source; IPv4 addresses still count one by one.
    admitted(table.admit(make_address("2001:db8:1:3::a")));
    admitted(table.admit(make_address("10.0.0.1")));
    admitted(table.admit(make_address("10.0.0.1")));
    admitted(table.admit(make_address("10.0.0.2")));
    CHECK(probe::counted_source_text(make_address("2001:db8:1:2::a")) == "2001:db8:1:2::/64");
    CHECK(probe::counted_source_text(make_address("::ffff:10.0.0.1")) == "::ffff:10.0.0.1");
    CHECK(probe::counted_source_text(make_address("10.0.0.1")) == "10.0.0.1");
}

TEST_CASE("a full server reaps the connection idle the longest, never a busy one",
          "[probe][policy]") {
    probe::AdmissionTable table(limits(3, 10));
    const auto a = admitted(table.admit(make_address("127.0.1.1")));
    const auto b = admitted(table.admit(make_address("127.0.1.2")));
    const auto c = admitted(table.admit(make_address("127.0.1.3")));
    const auto haproxy = make_address("127.0.0.2");

    // Nothing idle: a full server refuses (closes without a word, never 503).
    CHECK(refused(table.admit(haproxy)) == probe::Refusal::server_full);

    table.idle(b, t0 + 1s);
    table.idle(c, t0 + 2s);
    table.idle(a, t0 + 3s);
    auto first = table.admit(haproxy);
    REQUIRE(std::holds_alternative<probe::Admitted>(first));
    CHECK(std::get<probe::Admitted>(first).evict == b);
    CHECK(table.open() == 3);
    CHECK(table.idle_count() == 2);
    table.closed(b);  // the session of the evicted connection goes later: nothing more happens
    CHECK(table.open() == 3);

    // A connection that went busy again (a new request) is no longer a candidate.
    table.busy(c);
    auto second = table.admit(haproxy);
    REQUIRE(std::holds_alternative<probe::Admitted>(second));
    CHECK(std::get<probe::Admitted>(second).evict == a);
    CHECK(refused(table.admit(haproxy)) == probe::Refusal::server_full);
    CHECK(table.open_from(haproxy) == 2);
}

TEST_CASE("going idle again moves a connection to the back of the reaping order",
          "[probe][policy]") {
    probe::AdmissionTable table(limits(2, 10));
    const auto a = admitted(table.admit(make_address("127.0.1.1")));
    const auto b = admitted(table.admit(make_address("127.0.1.2")));
    table.idle(a, t0 + 1s);
    table.idle(b, t0 + 2s);
    table.busy(a);
    table.idle(a, t0 + 3s);  // answered a second request
    auto admission = table.admit(make_address("127.0.0.2"));
    REQUIRE(std::holds_alternative<probe::Admitted>(admission));
    CHECK(std::get<probe::Admitted>(admission).evict == b);
}

TEST_CASE("keep-alive ends after max_requests answers or at max_age", "[probe][policy]") {
    probe::KeepAliveLimits l;
    l.max_requests = 3;
    l.max_age = 10s;
    CHECK(probe::may_keep_alive(l, 1, t0, t0));
    CHECK(probe::may_keep_alive(l, 2, t0, t0 + 9s));
    CHECK_FALSE(probe::may_keep_alive(l, 3, t0, t0 + 1s));  // the third answer says close
    CHECK_FALSE(probe::may_keep_alive(l, 1, t0, t0 + 10s));

    // The wait for a next request stops at max_age.
    CHECK(probe::idle_wait(l, 5000ms, t0, t0 + 1s) == 5000ms);
    CHECK(probe::idle_wait(l, 5000ms, t0, t0 + 8s) == 2000ms);
    CHECK(probe::idle_wait(l, 5000ms, t0, t0 + 11s) == 0ms);
}

TEST_CASE("the soft fd limit is raised to fit max-connections, within the hard limit",
          "[probe][policy]") {
    using probe::kReservedDescriptors;
    // systemd's default 1024 soft limit, a generous hard one: raised, nothing lowered.
    auto plan = probe::plan_fd_limit(5000, 1024, 524288);
    CHECK(plan.soft == 5000 + kReservedDescriptors);
    CHECK(plan.max_connections == 5000);
    CHECK(plan.warning.empty());
    // Already enough: left as it is.
    plan = probe::plan_fd_limit(512, 65536, 65536);
    CHECK(plan.soft == 65536);
    CHECK(plan.max_connections == 512);
    // The hard limit is too low: up to it, and max-connections lowered to what fits, said loud.
    plan = probe::plan_fd_limit(5000, 1024, 4096);
    CHECK(plan.soft == 4096);
    CHECK(plan.max_connections == 4096 - kReservedDescriptors);
    CHECK_THAT(plan.warning,
               Catch::Contains("max-connections 5000") && Catch::Contains("serving at most 4032"));
}
