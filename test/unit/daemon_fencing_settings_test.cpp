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
