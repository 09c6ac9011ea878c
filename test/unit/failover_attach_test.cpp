// repmgr's check_node_can_attach, pure: who can stream from whom, and where a timeline ends.
#include "failover/attach.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;
using pgwarden::model::Lsn;

TEST_CASE("a timeline's end is read from the later timeline's history file", "[failover]") {
    const std::string history =
        "1\t0/3000060\tno recovery target specified\n\n"
        "2\t0/5000000\tno recovery target specified\n";
    CHECK(timeline_switchpoint(history, 1) == Lsn(0x3000060));
    CHECK(timeline_switchpoint(history, 2) == Lsn(0x5000000));
    CHECK_FALSE(timeline_switchpoint(history, 3));
}

TEST_CASE("who can attach to a follow target", "[failover]") {
    AttachFacts base{"7000", 1, Lsn(0x3000000), "7000", 1, Lsn(0x3000000), std::nullopt};
    SECTION("same timeline, not ahead") {
        CHECK_FALSE(attach_refusal(base));
    }
    SECTION("another system") {
        auto f = base;
        f.target_system_id = "7001";
        CHECK(attach_refusal(f));
    }
    SECTION("same timeline, ahead of the target") {
        auto f = base;
        f.local_lsn = Lsn(0x3000100);
        CHECK(attach_refusal(f));
    }
    SECTION("later timeline on this node") {
        auto f = base;
        f.local_tli = 2;
        CHECK(attach_refusal(f));
    }
    SECTION("target promoted after the point this node reached") {
        auto f = base;
        f.target_tli = 2;
        f.target_lsn = Lsn(0x4000000);
        f.fork_lsn = Lsn(0x3000000);
        CHECK_FALSE(attach_refusal(f));
    }
    SECTION("this node received WAL the promoted target never had") {
        auto f = base;
        f.target_tli = 2;
        f.fork_lsn = Lsn(0x2FFFFFF);
        CHECK(attach_refusal(f));
    }
    SECTION("target on a later timeline whose history is unknown") {
        auto f = base;
        f.target_tli = 2;
        CHECK(attach_refusal(f));
    }
}

TEST_CASE("an attach refusal says why in repmgr's words", "[failover]") {
    AttachFacts f{"7000", 1, Lsn(0x3000100), "7000", 1, Lsn(0x3000060), std::nullopt};
    CHECK(attach_refusal(f) ==
          "this node is ahead of the follow target on timeline 1: local node lsn is 0/3000100, "
          "follow target lsn is 0/3000060");
    f.target_tli = 2;
    f.fork_lsn = Lsn(0x3000060);
    CHECK(attach_refusal(f) ==
          "follow target server's timeline 2 forked off current database system timeline 1 "
          "before current recovery point 0/3000100");
}
