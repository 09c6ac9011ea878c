// `cluster event` output: repmgr 5.3's table, --compact and --csv shapes (captured from repmgr).
#include "register_event_table.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cli::reg;

namespace {

std::vector<EventRow> sample() {
    return {{"1", "node1", "x,y", "f", "2026-11-23 16:25:50", "a \"q\", b"},
            {"2", "node2", "standby_register", "t", "2026-11-23 16:24:44", ""}};
}

}  // namespace

TEST_CASE("the event table pads every column to its widest cell as repmgr does",
          "[cluster_event]") {
    const std::string expected =
        " Node ID | Name  | Event            | OK | Timestamp           | Details \n"
        "---------+-------+------------------+----+---------------------+----------\n"
        " 1       | node1 | x,y              | f  | 2026-11-23 16:25:50 | a \"q\", b\n"
        " 2       | node2 | standby_register | t  | 2026-11-23 16:24:44 |         \n"
        "\n";
    CHECK(format_event_table(sample(), false) == expected);
}

TEST_CASE("the compact event table leaves out the details", "[cluster_event]") {
    const std::string expected =
        " Node ID | Name  | Event            | OK | Timestamp          \n"
        "---------+-------+------------------+----+---------------------\n"
        " 1       | node1 | x,y              | f  | 2026-11-23 16:25:50\n"
        " 2       | node2 | standby_register | t  | 2026-11-23 16:24:44\n"
        "\n";
    CHECK(format_event_table(sample(), true) == expected);
}

TEST_CASE("csv events are unquoted and without details", "[cluster_event]") {
    CHECK(format_event_csv(sample()) ==
          "1,node1,x,y,f,2026-11-23 16:25:50\n"
          "2,node2,standby_register,t,2026-11-23 16:24:44\n");
}

TEST_CASE("no events print repmgr's sentence in every form", "[cluster_event]") {
    CHECK(format_event_table({}, false) == "no matching events found\n");
    CHECK(format_event_table({}, true) == "no matching events found\n");
    CHECK(format_event_csv({}) == "no matching events found\n");
}
