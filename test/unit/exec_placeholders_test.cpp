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
        // Bare, a value with a space or a ';' is one quoted word now, not words for the shell.
        {"%t", "'2026-11-23 16:24:44.211509+00'"},
        {"%d", "'standby registration succeeded; upstream node ID is 1'"},
        {"%p", "1"},
        {"%c", "'host=db1 dbname=repmgr'"},
        {"'%c'", "'host=db1 dbname=repmgr'"},
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
        CHECK(expand_event_command(c.command, values).command == c.expected);
    }
}

TEST_CASE("a failed event expands %s to 0 and absent %p %c %a to nothing", "[exec]") {
    EventPlaceholders values;
    values.node_id = 1;
    values.event = "primary_register";
    values.successful = false;
    CHECK(expand_event_command("[%s|%p|%c|%a]", values).command == "[0|||]");
}

TEST_CASE("inside double quotes every character special there is backslash-escaped", "[exec]") {
    EventPlaceholders values;
    values.details = R"(say "hi")";
    CHECK(expand_event_command(R"(echo "%d")", values).command == R"(echo "say \"hi\"")");
    // repmgr left an escaped quote alone, so the shell ate the backslash; now the script sees
    // the details as they are.
    values.details = R"(already \" $HOME `id`)";
    CHECK(expand_event_command(R"(echo "%d")", values).command ==
          R"(echo "already \\\" \$HOME \`id\`")");
}

TEST_CASE("every event value is offered as an environment variable too", "[exec]") {
    const auto expanded = expand_event_command("true", standby_register_event());
    const Environment expected{
        {"PGWARDEN_NODE_ID", "2"},
        {"PGWARDEN_EVENT", "standby_register"},
        {"PGWARDEN_SUCCESSFUL", "1"},
        {"PGWARDEN_TIMESTAMP", "2026-11-23 16:24:44.211509+00"},
        {"PGWARDEN_DETAILS", "standby registration succeeded; upstream node ID is 1"},
        {"PGWARDEN_OTHER_NODE_ID", "1"},
        {"PGWARDEN_OTHER_CONNINFO", "host=db1 dbname=repmgr"},
        {"PGWARDEN_OTHER_NODE_NAME", "node1"},
    };
    CHECK(expanded.environment == expected);
    EventPlaceholders absent;
    CHECK(expand_event_command("true", absent).environment.size() == 5);
}

TEST_CASE("follow_command expands only %n and %%", "[exec]") {
    CHECK(expand_follow_command("pgwarden standby follow -W --upstream-node-id=%n", 3).command ==
          "pgwarden standby follow -W --upstream-node-id=3");
    CHECK(expand_follow_command("%n %% %e %", 12).command == "12 % %e %");
    CHECK(expand_follow_command("%n", 12).environment ==
          Environment{{"PGWARDEN_UPSTREAM_NODE_ID", "12"}});
}

TEST_CASE("failover_validation_command placeholders", "[exec]") {
    ValidationPlaceholders values{2, "node2", 3, 2, 4};
    CHECK(expand_validation_command("/v.sh %n %a %v %u %t %% %x", values).command ==
          "/v.sh 2 node2 3 2 4 % %x");
    values.node_name = "n2; reboot";
    CHECK(expand_validation_command("/v.sh %a", values).command == "/v.sh 'n2; reboot'");
}

TEST_CASE("child_nodes_disconnect_command expands %p to this node's id", "[exec]") {
    const auto expanded = expand_child_disconnect_command("/d.sh %p %n", 4);
    CHECK(expanded.command == "/d.sh 4 %n");
    CHECK(expanded.environment == Environment{{"PGWARDEN_NODE_ID", "4"}});
}
