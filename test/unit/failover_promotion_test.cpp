// May the winner promote itself? repmgrd's promote_self rule on a record without an upstream.
#include "failover/promotion.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;

TEST_CASE("a winner whose record names an upstream promotes, always_promote or not", "[failover]") {
    for (const bool always : {false, true}) {
        const auto decision = may_promote({2, true, always});
        CHECK(decision.allowed);
        CHECK(decision.reason.empty());
        CHECK(decision.hint.empty());
    }
}

TEST_CASE("a winner whose record has no upstream does not promote without always_promote",
          "[failover]") {
    const auto decision = may_promote({2, false, false});
    CHECK_FALSE(decision.allowed);
    CHECK_THAT(decision.reason, Catch::Contains("(ID: 2) has no upstream node"));
    CHECK_THAT(decision.hint, Catch::Contains("set \"always_promote=true\""));
    CHECK_THAT(decision.hint, Catch::Contains("standby register --force"));
}

TEST_CASE("always_promote lets a winner whose record has no upstream promote, and says so",
          "[failover]") {
    const auto decision = may_promote({3, false, true});
    CHECK(decision.allowed);
    CHECK_THAT(decision.reason, Catch::Contains("(ID: 3) has no upstream node"));
    CHECK_THAT(decision.reason, Catch::Contains("always_promote"));
    CHECK(decision.hint.empty());
}
