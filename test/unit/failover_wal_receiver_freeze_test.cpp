#include "failover/wal_receiver_freeze.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;

TEST_CASE("a freeze adds one day to wal_retrieve_retry_interval", "[failover][freeze]") {
    CHECK(frozen_retry_interval(5000) == 5000 + kWalReceiverDisableMs);
    CHECK(frozen_retry_interval(1) == 1 + kWalReceiverDisableMs);
    CHECK(frozen_retry_interval(kWalReceiverDisableMs - 1) == 2 * kWalReceiverDisableMs - 1);
}

TEST_CASE("an interval already frozen is not frozen twice", "[failover][freeze]") {
    CHECK_FALSE(frozen_retry_interval(kWalReceiverDisableMs).has_value());
    CHECK_FALSE(frozen_retry_interval(kWalReceiverDisableMs + 5000).has_value());
}

TEST_CASE("a thaw takes the day off again and leaves an unfrozen interval alone",
          "[failover][freeze]") {
    CHECK(thawed_retry_interval(5000 + kWalReceiverDisableMs) == 5000);
    CHECK(thawed_retry_interval(*frozen_retry_interval(250)) == 250);
    CHECK_FALSE(thawed_retry_interval(5000).has_value());
    CHECK_FALSE(thawed_retry_interval(kWalReceiverDisableMs).has_value());
}

TEST_CASE("the wait for siblings ends when no sibling that answered runs a WAL receiver",
          "[failover][freeze]") {
    CHECK(sibling_receivers_stopped({}));
    CHECK(sibling_receivers_stopped({0, 0}));
    CHECK(sibling_receivers_stopped({0, std::nullopt}));
    CHECK_FALSE(sibling_receivers_stopped({0, 4711}));
    CHECK_FALSE(sibling_receivers_stopped({std::nullopt, 4711}));
}
