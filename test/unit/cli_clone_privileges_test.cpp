// Who creates a clone's replication slot, in repmgr 5.3's order: the -U user when it may, then
// -S/--superuser, then --replication-user, then the upstream record's repluser.
#include "clone_privileges.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cli::standby;

TEST_CASE("a clone's slot is created by the first user in repmgr's order who may") {
    const SessionRights plain{"cloner", false, false, false};
    const SessionRights replication{"cloner", false, true, false};
    const SessionRights superuser{"cloner", true, false, true};
    struct Case {
        const char* what;
        SessionRights rights;
        std::optional<std::string> superuser_option;
        std::optional<std::string> replication_user;
        std::string upstream_repluser;
        SlotCreator creator;
        std::string user;
    };
    const std::vector<Case> cases = {
        {"a superuser -U", superuser, "postgres", "repl", "repl", SlotCreator::connection_user,
         "cloner"},
        {"a REPLICATION -U",
         replication,
         "postgres",
         {},
         "repl",
         SlotCreator::connection_user,
         "cloner"},
        {"-S before the replication users", plain, "postgres", "repl", "other",
         SlotCreator::superuser, "postgres"},
        {"--replication-user before the record's",
         plain,
         {},
         "repl",
         "other",
         SlotCreator::replication_user,
         "repl"},
        {"the record's repluser", plain, {}, {}, "other", SlotCreator::replication_user, "other"},
        {"the record's repluser is -U itself", plain, {}, {}, "cloner", SlotCreator::none, ""},
        {"nobody", plain, {}, {}, "", SlotCreator::none, ""},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto choice = choose_slot_creator(c.rights, c.superuser_option, c.replication_user,
                                                c.upstream_repluser);
        CHECK(choice.creator == c.creator);
        CHECK(choice.user == c.user);
    }
}
