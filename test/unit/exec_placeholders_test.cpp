// repmgr's placeholder expansion for event_notification_command and follow_command.
#include "exec/placeholders.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::exec;

namespace {

EventPlaceholders standby_register_event() {
    EventPlaceholders values;
    values.node_id = 2;
    values.event = "standby_register";
    values.successful = true;
    values.timestamp = "2026-11-23 16:24:44.211509+00";
    values.details = "standby registration succeeded; upstream node ID is 1";
    values.other_node_id = 1;
    values.other_conninfo = "host=db1 dbname=repmgr";
    values.other_node_name = "node1";
    return values;
}

}  // namespace

TEST_CASE("every event placeholder expands as repmgr expands it", "[exec]") {
    struct Case {
        const char* command;
        const char* expected;
    };
    const Case cases[] = {
        {"%n", "2"},
        {"%e", "standby_register"},
        {"%s", "1"},
        {"%t", "2026-11-23 16:24:44.211509+00"},
        {"%d", "standby registration succeeded; upstream node ID is 1"},
        {"%p", "1"},
        {"%c", "host=db1 dbname=repmgr"},
        {"%a", "node1"},
        {"100%%", "100%"},
        {"%x stays", "%x stays"},
        {"trailing %", "trailing %"},
        {"%%n", "%n"},
        {"/bin/notify %n %e %s \"%t\" \"%d\"",
         "/bin/notify 2 standby_register 1 \"2026-11-23 16:24:44.211509+00\" \"standby "
         "registration succeeded; upstream node ID is 1\""},
    };
    const auto values = standby_register_event();
    for (const auto& c : cases) {
        INFO(c.command);
        CHECK(expand_event_command(c.command, values) == c.expected);
    }
}

TEST_CASE("a failed event expands %s to 0 and absent %p %c %a to nothing", "[exec]") {
    EventPlaceholders values;
    values.node_id = 1;
    values.event = "primary_register";
    values.successful = false;
    CHECK(expand_event_command("[%s|%p|%c|%a]", values) == "[0|||]");
}

TEST_CASE("double quotes in the details are escaped unless already escaped", "[exec]") {
    CHECK(escape_double_quotes(R"(a "b" c)") == R"(a \"b\" c)");
    CHECK(escape_double_quotes(R"("start)") == R"(\"start)");
    CHECK(escape_double_quotes(R"(already \" done)") == R"(already \" done)");
    EventPlaceholders values;
    values.details = R"(say "hi")";
    CHECK(expand_event_command(R"(echo "%d")", values) == R"(echo "say \"hi\"")");
}

TEST_CASE("follow_command expands only %n and %%", "[exec]") {
    CHECK(expand_follow_command("pgwarden standby follow -W --upstream-node-id=%n", 3) ==
          "pgwarden standby follow -W --upstream-node-id=3");
    CHECK(expand_follow_command("%n %% %e %", 12) == "12 % %e %");
}

TEST_CASE("failover_validation_command placeholders", "[exec]") {
    ValidationPlaceholders values{2, "node2", 3, 2, 4};
    CHECK(expand_validation_command("/v.sh %n %a %v %u %t %% %x", values) ==
          "/v.sh 2 node2 3 2 4 % %x");
}
