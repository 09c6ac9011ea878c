// pgwardend's [daemon] section of pgwarden.ini: defaults, values, and errors at file:line.
#include "fencing_settings.hpp"

#include "temp_dir.hpp"

#include "config/config_error.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden;
using namespace std::chrono_literals;

TEST_CASE("without a pgwarden.ini the daemon fences read-only after 10 s", "[daemon][fencing]") {
    test::TempDir dir;
    const auto settings = daemon::load_fencing_settings(dir.write("empty.ini", ""));
    CHECK(settings.fence.action == failover::FenceAction::read_only);
    CHECK(settings.fence.timeout == 10s);
    CHECK(settings.fence.balancer_margin == 6s);
    CHECK(settings.lease_directory == "/var/lib/pgwarden");
}

TEST_CASE("the [daemon] section sets the fence action, timeouts and lease directory",
          "[daemon][fencing]") {
    test::TempDir dir;
    const auto path = dir.write("p.ini",
                                "[probe]\nport = 5445\n[daemon]\nfence-action = stop\n"
                                "fence_timeout = 4\nfence-margin = 2\n"
                                "lease-directory = /run/x\n");
    const auto settings = daemon::load_fencing_settings(path);
    CHECK(settings.fence.action == failover::FenceAction::stop);
    CHECK(settings.fence.timeout == 4s);
    CHECK(settings.fence.balancer_margin == 2s);
    CHECK(settings.lease_directory == "/run/x");
}

TEST_CASE("a bad fencing value is refused at its file and line", "[daemon][fencing]") {
    test::TempDir dir;
    const auto bad_action = dir.write("a.ini", "[daemon]\n\nfence-action = maybe\n");
    try {
        daemon::load_fencing_settings(bad_action);
        FAIL("accepted fence-action = maybe");
    } catch (const config::ConfigError& e) {
        CHECK(e.line() == 3);
        CHECK_THAT(e.what(), Catch::Contains("invalid fence-action \"maybe\""));
    }
    CHECK_THROWS_AS(
        daemon::load_fencing_settings(dir.write("b.ini", "[daemon]\nfence-timeout = 0\n")),
        config::ConfigError);
    CHECK_THROWS_AS(
        daemon::load_fencing_settings(dir.write("c.ini", "[daemon]\nlease-directory = rel\n")),
        config::ConfigError);
    CHECK_THROWS_AS(daemon::load_fencing_settings(dir.write("d.ini", "[daemon]\nfencing = on\n")),
                    config::ConfigError);
}

TEST_CASE(
    "the [daemon] section sets synchronous mode and maximum-lag-on-failover, refusing bad "
    "values at their line",
    "[daemon][sync]") {
    test::TempDir dir;
    auto settings = daemon::load_fencing_settings(dir.write("none.ini", ""));
    CHECK(settings.sync.mode == failover::SyncMode::off);
    CHECK(settings.sync.node_count == 1);
    CHECK_FALSE(settings.sync.maximum_lag_on_failover);
    settings = daemon::load_fencing_settings(
        dir.write("s.ini",
                  "[daemon]\nsynchronous-mode = strict\nsynchronous-node-count = 2\n"
                  "synchronous-standby-timeout = 5\nmaximum-lag-on-failover = 64kB\n"));
    CHECK(settings.sync.mode == failover::SyncMode::strict);
    CHECK(settings.sync.node_count == 2);
    CHECK(settings.sync.standby_timeout == 5s);
    CHECK(settings.sync.maximum_lag_on_failover == 65536U);
    CHECK(daemon::load_fencing_settings(
              dir.write("b.ini", "[daemon]\nmaximum-lag-on-failover = 1048576\n"))
              .sync.maximum_lag_on_failover == 1048576U);
    for (const char* bad :
         {"synchronous-mode = maybe", "synchronous-node-count = 0",
          "maximum-lag-on-failover = lots", "maximum-lag-on-failover = 1TB",
          "maximum-lag-on-failover = 99999999999999999999", "synchronous-standby-timeout = 0"}) {
        INFO(bad);
        try {
            daemon::load_fencing_settings(dir.write("x.ini", std::string("[daemon]\n\n") + bad));
            FAIL("accepted");
        } catch (const config::ConfigError& e) {
            CHECK(e.line() == 3);
        }
    }
}
