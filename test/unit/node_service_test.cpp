// node service's commands (repmgr's get_server_action) and the switchover's optformat answers
// (--is-shutdown-cleanly, --archive-ready --optformat), without a server.
#include "config/server_action.hpp"
#include "node_remote_checks.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden;
using namespace pgwarden::cli;
using namespace pgwarden::config;

namespace {

config::RepmgrConfig pg_ctl_config() {
    config::RepmgrConfig config;
    config.data_directory = "/srv/pg data";
    config.pg_bindir = "/usr/lib/postgresql/15/bin";
    return config;
}

rejoin::ControlData control(const std::string& state,
                            model::Lsn checkpoint = model::Lsn(0x3000028)) {
    rejoin::ControlData data;
    data.state = state;
    data.checkpoint_lsn = checkpoint;
    return data;
}

}  // namespace

TEST_CASE("server actions are pg_ctl commands as repmgr builds them", "[cli][node]") {
    auto config = pg_ctl_config();
    const std::string dir = pg_ctl_directory(config);
    struct Case {
        ServerAction action;
        const char* command;
    };
    const Case cases[] = {
        {ServerAction::start, "/usr/lib/postgresql/15/bin/pg_ctl  -w -D '/srv/pg data' start"},
        {ServerAction::stop,
         "/usr/lib/postgresql/15/bin/pg_ctl  -D '/srv/pg data' -W -m fast stop"},
        {ServerAction::stop_wait,
         "/usr/lib/postgresql/15/bin/pg_ctl  -D '/srv/pg data' -w -m fast stop"},
        {ServerAction::restart, "/usr/lib/postgresql/15/bin/pg_ctl  -w -D '/srv/pg data' restart"},
        {ServerAction::reload, "/usr/lib/postgresql/15/bin/pg_ctl  -w -D '/srv/pg data' reload"},
        {ServerAction::promote, "/usr/lib/postgresql/15/bin/pg_ctl  -w -D '/srv/pg data' promote"},
        {ServerAction::none, ""},
    };
    for (const auto& c : cases) {
        CHECK(server_action_command(c.action, config, dir) == c.command);
        CHECK(data_dir_required(c.action, config) == (c.action != ServerAction::none));
    }

    config.pg_bindir.clear();
    config.pg_ctl_options = "-l /tmp/log";
    config.config_directory = "/etc/pg";
    CHECK(server_action_command(ServerAction::start, config, pg_ctl_directory(config)) ==
          "pg_ctl -l /tmp/log -w -D '/etc/pg' start");
    CHECK(server_action_command(ServerAction::reload, config, "") ==
          "pg_ctl -l /tmp/log -w -D '(none provided)' reload");

    config.service_stop_command = "sudo systemctl stop postgresql";
    CHECK(server_action_command(ServerAction::stop, config, "") == config.service_stop_command);
    CHECK(server_action_command(ServerAction::stop_wait, config, "") ==
          config.service_stop_command);
    CHECK_FALSE(data_dir_required(ServerAction::stop, config));
}

TEST_CASE("node service takes repmgr's --action names, in any case", "[cli][node]") {
    CHECK(parse_server_action("") == ServerAction::none);
    CHECK(parse_server_action("start") == ServerAction::start);
    CHECK(parse_server_action("ReStArT") == ServerAction::restart);
    CHECK(parse_server_action("PROMOTE") == ServerAction::promote);
    CHECK_FALSE(parse_server_action("stop_wait"));
    CHECK_FALSE(parse_server_action("bounce"));
}

TEST_CASE("node service --list-actions lists every action or the one asked for", "[cli][node]") {
    auto config = pg_ctl_config();
    config.service_promote_command = "/bin/true";
    CHECK(list_server_actions(ServerAction::none, config) ==
          "Following commands would be executed for each action:\n\n"
          "    start: \"/usr/lib/postgresql/15/bin/pg_ctl  -w -D '/srv/pg data' start\"\n"
          "     stop: \"/usr/lib/postgresql/15/bin/pg_ctl  -D '/srv/pg data' -W -m fast stop\"\n"
          "  restart: \"/usr/lib/postgresql/15/bin/pg_ctl  -w -D '/srv/pg data' restart\"\n"
          "   reload: \"/usr/lib/postgresql/15/bin/pg_ctl  -w -D '/srv/pg data' reload\"\n"
          "  promote: \"/bin/true\"\n\n");
    CHECK(list_server_actions(ServerAction::promote, config) == "/bin/true\n");
}

TEST_CASE("node status --is-shutdown-cleanly reads the ping and pg_control as repmgr does",
          "[cli][node]") {
    struct Case {
        bool pg_dir;
        bool answers;
        std::optional<rejoin::ControlData> control;
        ShutdownState expected;
    };
    const Case cases[] = {
        {true, true, control("in production"), ShutdownState::up},
        {true, true, control("in archive recovery"), ShutdownState::up},
        {true, true, control("shutting down"), ShutdownState::shutting_down},
        {true, false, control("shut down"), ShutdownState::shutdown},
        {true, false, control("shut down in recovery"), ShutdownState::shutdown},
        {true, false, control("in production"), ShutdownState::unclean_shutdown},
        {true, false, control("shut down", model::Lsn{}), ShutdownState::unknown},
        {true, false, std::nullopt, ShutdownState::unknown},
        {false, true, control("in production"), ShutdownState::unknown},
    };
    for (const auto& c : cases) {
        INFO((c.control ? c.control->state : "no pg_control") << ", answers " << c.answers);
        CHECK(shutdown_state(c.pg_dir, c.answers, c.control) == c.expected);
    }
    CHECK(format_shutdown_state(ShutdownState::shutdown, model::Lsn(0x3000028)) ==
          "--state=SHUTDOWN --last-checkpoint-lsn=0/3000028\n");
    CHECK(format_shutdown_state(ShutdownState::up, model::Lsn(0x3000028)) == "--state=UP\n");
    CHECK(format_shutdown_state(ShutdownState::unclean_shutdown, {}) ==
          "--state=UNCLEAN_SHUTDOWN\n");
}

TEST_CASE("node check --archive-ready --optformat gives the files and the threshold crossed",
          "[cli][node]") {
    NodeFacts facts;
    facts.archive_ready_warning = 2;
    facts.archive_ready_critical = 5;
    const std::pair<std::optional<int>, const char*> cases[] = {
        {0, "--status=OK --files=0\n"},
        {2, "--status=OK --files=2\n"},
        {3, "--status=WARNING --files=3 --threshold=2\n"},
        {6, "--status=CRITICAL --files=6 --threshold=5\n"},
        {std::nullopt, "--status=UNKNOWN \n"},
    };
    for (const auto& [files, expected] : cases) {
        facts.ready_archive_files = files;
        CHECK(archive_ready_optformat(facts) == expected);
    }
}

TEST_CASE("the remote superuser check's verdict is read from its own line only", "[cli][node]") {
    using pgwarden::cli::db_connection_answer;
    using pgwarden::cli::RemoteCheckAnswer;
    CHECK(db_connection_answer("--db-connection=OK\n") == RemoteCheckAnswer::ok);
    CHECK(db_connection_answer("INFO: connecting\n--db-connection=OK") == RemoteCheckAnswer::ok);
    CHECK(db_connection_answer("--db-connection=CRITICAL\n") == RemoteCheckAnswer::failed);
    CHECK(db_connection_answer("--db-connection=OKAY\n") == RemoteCheckAnswer::failed);
    // No check ran: the program is missing, or too old to know the option.
    CHECK(db_connection_answer("") == RemoteCheckAnswer::none);
    CHECK(db_connection_answer("sh: 1: /usr/bin/pgwarden: not found\n") == RemoteCheckAnswer::none);
    CHECK(db_connection_answer("ERROR: unrecognised option \"--db-connection=OK\"\n") ==
          RemoteCheckAnswer::none);
}
