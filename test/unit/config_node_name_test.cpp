// register refuses node names a shell would read as syntax, and none a real cluster uses.
#include "config/node_name.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using pgwarden::config::node_name_problem;

TEST_CASE("node names real clusters use are accepted", "[config]") {
    for (const char* name : {"node1", "pg-db_2.example.com", "DB01", "node@dc1", "a+b:c,d",
                             "x123456789012345678901234567890123456789012345678901234567890ab"}) {
        INFO(name);
        CHECK_FALSE(node_name_problem(name).has_value());
    }
}

TEST_CASE("node names with shell syntax, spaces or control characters are refused", "[config]") {
    for (const std::string& name : std::vector<std::string>{
             "", "a b", "a;b", "a'b", "a\"b", "$(touch x)", "`id`", "a\nb", "a\\b", "a|b", "a&b",
             "a>b", "a*", "~a", "a#b", "a{b}", "n\xc3\xa9", std::string(64, 'a')}) {
        INFO(name);
        CHECK(node_name_problem(name).has_value());
    }
    CHECK(*node_name_problem("a;b") ==
          "\"node_name\" contains ';'; only letters, digits and \"-_.@+:,\" are accepted, as the "
          "name is an application_name and goes into shell commands");
}
