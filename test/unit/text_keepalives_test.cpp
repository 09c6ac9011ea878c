#include "text/conninfo.hpp"
#include "text/keepalives.hpp"

#include <catch2/catch.hpp>

#include <string>

using pgwarden::text::connect_timeout_secs;
using pgwarden::text::conversation_bound_secs;
using pgwarden::text::keepalive_settings;
using pgwarden::text::KeepaliveSettings;
using pgwarden::text::silence_budget_secs;
using pgwarden::text::with_keepalives;

TEST_CASE("connect_timeout is read as libpq applies it", "[keepalives]") {
    struct Case {
        const char* conninfo;
        int expected;
    };
    const Case cases[] = {
        {"host=a", 7},  // none set: the caller's default
        {"host=a connect_timeout=10", 10},
        {"host=a connect_timeout=' 12 '", 12},  // strtol's spaces
        {"host=a connect_timeout=1", 2},        // libpq's minimum
        {"host=a connect_timeout=0", 0},        // no limit
        {"host=a connect_timeout=-3", 0},
        {"host=a connect_timeout=2.5", 7},  // libpq refuses it; the default is as good
        {"host=a connect_timeout=abc", 7},
        {"host=a connect_timeout=3 connect_timeout=4", 4},  // the last one counts
        {"postgresql://h/db?connect_timeout=9", 9},
        {"host='unterminated", 7},
    };
    for (const auto& c : cases) {
        INFO(c.conninfo);
        CHECK(connect_timeout_secs(c.conninfo, 7) == c.expected);
    }
}

TEST_CASE("the silence budget follows connect_timeout within 5 to 30 seconds", "[keepalives]") {
    CHECK(silence_budget_secs(0) == 5);  // no connect limit: the floor
    CHECK(silence_budget_secs(2) == 5);  // the daemon's default
    CHECK(silence_budget_secs(5) == 5);
    CHECK(silence_budget_secs(12) == 12);
    CHECK(silence_budget_secs(30) == 30);
    CHECK(silence_budget_secs(300) == 30);
}

TEST_CASE("keepalive probes and the user timeout both end at the silence budget", "[keepalives]") {
    CHECK(keepalive_settings(5) == KeepaliveSettings{2, 1, 3, 5000});
    CHECK(keepalive_settings(12) == KeepaliveSettings{6, 2, 3, 12000});
    CHECK(keepalive_settings(30) == KeepaliveSettings{12, 6, 3, 30000});
    CHECK(keepalive_settings(1) == keepalive_settings(5));  // never below the floor
    for (int budget = 5; budget <= 30; ++budget) {
        INFO("budget " << budget);
        const auto s = keepalive_settings(budget);
        CHECK(s.idle_secs >= 1);
        CHECK(s.interval_secs >= 1);
        CHECK(s.idle_secs + s.count * s.interval_secs == budget);
        CHECK(s.user_timeout_ms == budget * 1000);
    }
}

TEST_CASE("keepalive settings are added to a conninfo that sets none", "[keepalives]") {
    const auto out = with_keepalives("host=a port=5432", keepalive_settings(5));
    CHECK(out ==
          "host=a port=5432 keepalives='1' keepalives_idle='2' keepalives_interval='1' "
          "keepalives_count='3' tcp_user_timeout='5000'");
    const auto uri = with_keepalives("postgresql://h/db", keepalive_settings(5));
    const auto parsed = pgwarden::text::parse_conninfo(uri);
    REQUIRE_FALSE(parsed.error);
    CHECK(parsed.value_of("keepalives_idle") == "2");
    CHECK(parsed.value_of("tcp_user_timeout") == "5000");
}

TEST_CASE("keepalive settings the user wrote are kept, one keyword at a time", "[keepalives]") {
    const auto out = with_keepalives(
        "host=a keepalives=0 tcp_user_timeout=60000 keepalives_idle=90", keepalive_settings(5));
    const auto parsed = pgwarden::text::parse_conninfo(out);
    REQUIRE_FALSE(parsed.error);
    CHECK(parsed.value_of("keepalives") == "0");
    CHECK(parsed.value_of("tcp_user_timeout") == "60000");
    CHECK(parsed.value_of("keepalives_idle") == "90");
    CHECK(parsed.value_of("keepalives_interval") == "1");
    CHECK(parsed.value_of("keepalives_count") == "3");
    // Each keyword appears once: the user's is not shadowed by a later default.
    int idle = 0;
    for (const auto& param : parsed.params)
        idle += param.keyword == "keepalives_idle" ? 1 : 0;
    CHECK(idle == 1);
}

TEST_CASE("one conversation is bounded by its connect and its slower end", "[keepalives]") {
    CHECK(conversation_bound_secs(2, 60) == 62);  // the defaults: a slow live server
    CHECK(conversation_bound_secs(2, 3) == 7);    // a silent peer outlasts a short statement
    CHECK(conversation_bound_secs(12, 5) == 24);  // a longer connect, a longer silence
    CHECK(conversation_bound_secs(0, 60) == 90);  // no connect limit: the silence cap
    CHECK(conversation_bound_secs(2, 0) == 62);   // no statement limit: repmgr's default
}
