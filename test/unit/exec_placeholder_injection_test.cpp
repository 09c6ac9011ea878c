// Values from repmgr.nodes and event details reach /bin/sh -c only as data: a hostile node name,
// conninfo or detail is never run, whatever the quoting around its placeholder.
#include "exec/placeholders.hpp"
#include "exec/shell.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using namespace pgwarden::exec;
using namespace std::chrono_literals;

TEST_CASE("hostile event values reach the command as data in every quoting", "[exec]") {
    pgwarden::test::TempDir dir("inject");
    const std::string marker = dir.path("x");
    const std::string hostile[] = {
        "$(touch " + marker + ")",
        "`touch " + marker + "`",
        "a'; touch " + marker + "; echo '",
        "a\"; touch " + marker + "; echo \"",
        "line1\ntouch " + marker + "\n",
        "\\\"$(touch " + marker + ")\\",
        "* ${HOME} %n",
    };
    for (const auto& value : hostile) {
        INFO(value);
        EventPlaceholders values;
        values.node_id = 2;
        values.event = "standby_register";
        values.details = value;
        values.other_conninfo = value;
        values.other_node_name = value;
        const auto command =
            expand_event_command("printf '[%%s]\\n' %a \"%d\" '%c' \"x%ay\" 'x%cy' x%dy", values);
        const auto outcome = run_shell(command, 5s);
        CHECK(outcome.exit_code == 0);
        CHECK_FALSE(std::filesystem::exists(marker));
        const std::string v = "[" + value + "]\n";
        const std::string wrapped = "[x" + value + "y]\n";
        CHECK(outcome.output == v + v + v + wrapped + wrapped + wrapped);
    }
}

TEST_CASE("inside backquotes and here-documents a placeholder reads its environment variable",
          "[exec]") {
    pgwarden::test::TempDir dir("inject");
    const std::string marker = dir.path("x");
    EventPlaceholders values;
    values.details = "$(touch " + marker + ") `touch " + marker + "` '\"";
    const auto command =
        expand_event_command("echo `printf '[%%s]' \"%d\"`; cat <<EOF\n<%d>\nEOF\n", values);
    const auto outcome = run_shell(command, 5s);
    CHECK(outcome.exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(marker));
    CHECK(outcome.output == "[" + values.details + "]\n<" + values.details + ">\n");
}

TEST_CASE("the command sees each value in its PGWARDEN_ variable", "[exec]") {
    EventPlaceholders values;
    values.node_id = 3;
    values.details = "$(id) 'x'";
    values.other_node_name = "node1";
    const auto outcome = run_shell(
        expand_event_command("printf '%%s|%%s|%%s' \"$PGWARDEN_NODE_ID\" \"$PGWARDEN_DETAILS\" "
                             "\"${PGWARDEN_OTHER_CONNINFO-unset}\"",
                             values),
        5s);
    CHECK(outcome.output == "3|$(id) 'x'|unset");
}
