#include "daemon_options.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using pgwarden::daemon::choose_pid_file;
using pgwarden::daemon::DaemonOptions;
using pgwarden::daemon::parse_daemon_options;
using pgwarden::daemon::ParseResult;
using pgwarden::daemon::show_pid_file_text;

namespace {

ParseResult daemon_args(std::vector<const char*> args) {
    args.insert(args.begin(), "/usr/bin/pgwardend");
    return parse_daemon_options(static_cast<int>(args.size()), args.data());
}

DaemonOptions options_of(std::vector<const char*> args) {
    const auto result = daemon_args(std::move(args));
    if (result.exit)
        FAIL("unexpected exit " << result.exit->code << ": " << result.exit->err);
    REQUIRE(result.options);
    return *result.options;
}

}  // namespace

TEST_CASE("without options pgwardend daemonizes and reads repmgr's default config", "[daemon]") {
    const auto options = options_of({});
    CHECK(options.daemonize);
    CHECK_FALSE(options.config_file);
    CHECK_FALSE(options.pid_file);
    CHECK_FALSE(options.no_pid_file);
    CHECK_FALSE(options.show_pid_file);
    CHECK_FALSE(options.log_level);
    CHECK_FALSE(options.verbose);
    CHECK_FALSE(options.monitoring_history);
}

TEST_CASE("the PGDG unit's command line is understood", "[daemon]") {
    const auto options = options_of({"-f", "/etc/repmgr/16/repmgr.conf", "-p",
                                     "/run/repmgr/repmgrd-16.pid", "-d", "--verbose"});
    CHECK(options.config_file == "/etc/repmgr/16/repmgr.conf");
    CHECK(options.pid_file == "/run/repmgr/repmgrd-16.pid");
    CHECK(options.daemonize);
    CHECK(options.verbose);
}

TEST_CASE("the daemonize option takes an optional attached boolean as repmgr reads one",
          "[daemon]") {
    CHECK_FALSE(options_of({"--daemonize=false"}).daemonize);
    CHECK_FALSE(options_of({"--daemonize=OFF"}).daemonize);
    CHECK_FALSE(options_of({"--daemonize=0"}).daemonize);
    CHECK_FALSE(options_of({"--daemonize=no"}).daemonize);
    CHECK(options_of({"--daemonize=true"}).daemonize);
    CHECK(options_of({"--daemonize=yes"}).daemonize);
    CHECK(options_of({"--daemonize"}).daemonize);
    CHECK(options_of({"--daemonize=false", "-d"}).daemonize);
    CHECK_FALSE(options_of({"-d", "--daemonize=false"}).daemonize);
}

TEST_CASE("a value that is not a boolean for --daemonize is refused with exit 1", "[daemon]") {
    const auto result = daemon_args({"--daemonize=maybe"});
    REQUIRE(result.exit);
    CHECK(result.exit->code == 1);
    CHECK(result.exit->out.empty());
    CHECK_THAT(result.exit->err,
               Catch::StartsWith("pgwardend: bad command line:\n") &&
                   Catch::Contains("  --daemonize=\"maybe\": not a boolean (use true or false") &&
                   Catch::EndsWith("Run \"pgwardend --help\" to see the options.\n"));
}

TEST_CASE("a value after a space for --daemonize, or a stray argument, is refused", "[daemon]") {
    const auto detached = daemon_args({"--daemonize", "false"});
    REQUIRE(detached.exit);
    CHECK(detached.exit->code == 1);
    CHECK_THAT(detached.exit->err,
               Catch::Contains("--daemonize false: the value must be attached, as in "
                               "--daemonize=false"));
    for (const auto& args :
         std::vector<std::vector<const char*>>{{"-d", "false"}, {"-f", "/x.conf", "false"}}) {
        const auto result = daemon_args(args);
        REQUIRE(result.exit);
        CHECK(result.exit->code == 1);
        CHECK_THAT(result.exit->err,
                   Catch::Contains("unexpected argument \"false\": pgwardend takes options only"));
    }
}

TEST_CASE("short and long spellings, attached values and groups all parse", "[daemon]") {
    const auto options =
        options_of({"--config-file=/a.conf", "-p/run/x.pid", "-L", "debug", "-vm", "-s"});
    CHECK(options.config_file == "/a.conf");
    CHECK(options.pid_file == "/run/x.pid");
    CHECK(options.log_level == pgwarden::log::Level::debug);
    CHECK(options.verbose);
    CHECK(options.monitoring_history);
    CHECK(options.show_pid_file);

    const auto longs = options_of({"--pid-file", "/p", "--log-level=WARNING", "--no-pid-file",
                                   "--show-pid-file", "--monitoring-history"});
    CHECK(longs.pid_file == "/p");
    CHECK(longs.log_level == pgwarden::log::Level::warning);
    CHECK(longs.no_pid_file);
    CHECK(longs.show_pid_file);
    CHECK(longs.monitoring_history);
}

TEST_CASE("the last of a repeated option wins, as with getopt", "[daemon]") {
    const auto options = options_of(
        {"-f", "/first.conf", "-f", "/second.conf", "-L", "INFO", "--log-level", "error"});
    CHECK(options.config_file == "/second.conf");
    CHECK(options.log_level == pgwarden::log::Level::error);
}

TEST_CASE("an unambiguous prefix of a long option is accepted, as getopt_long does", "[daemon]") {
    CHECK(options_of({"--config=/x.conf"}).config_file == "/x.conf");
    CHECK(options_of({"--no-pid"}).no_pid_file);
}

TEST_CASE("an unknown log level is refused and the valid ones are named", "[daemon]") {
    const auto result = daemon_args({"-L", "LOUD", "--daemonize=perhaps"});
    REQUIRE(result.exit);
    CHECK(result.exit->code == 1);
    CHECK_THAT(result.exit->err,
               Catch::Contains("  -L/--log-level \"LOUD\": not a log level (use DEBUG, INFO") &&
                   Catch::Contains("  --daemonize=\"perhaps\": not a boolean"));
}

TEST_CASE("unknown options stop with repmgrd's usage lines and exit 1", "[daemon]") {
    const auto long_option = daemon_args({"--frobnicate"});
    REQUIRE(long_option.exit);
    CHECK(long_option.exit->code == 1);
    CHECK(long_option.exit->err ==
          "pgwardend: unknown option '--frobnicate'\n"
          "pgwardend: failover daemon for repmgr clusters\n"
          "Run \"pgwardend --help\" to see the options.\n");

    const auto short_option = daemon_args({"-x"});
    REQUIRE(short_option.exit);
    CHECK(short_option.exit->code == 1);
    CHECK_THAT(short_option.exit->err, Catch::StartsWith("pgwardend: unknown option -- 'x'\n"));
}

TEST_CASE("a missing option value or an empty path is refused", "[daemon]") {
    const auto missing = daemon_args({"-f"});
    REQUIRE(missing.exit);
    CHECK(missing.exit->code == 1);
    CHECK_THAT(missing.exit->err, Catch::Contains("config-file") && Catch::Contains("--help"));

    const auto empty = daemon_args({"-p", ""});
    REQUIRE(empty.exit);
    CHECK(empty.exit->code == 1);
    CHECK_THAT(empty.exit->err, Catch::Contains("-p/--pid-file: the path is empty"));
}

TEST_CASE("help and version print on stdout and exit 0", "[daemon]") {
    for (const char* flag : {"--help", "-?"}) {
        const auto result = daemon_args({flag});
        REQUIRE(result.exit);
        CHECK(result.exit->code == 0);
        CHECK(result.exit->err.empty());
        CHECK_THAT(result.exit->out, Catch::StartsWith("pgwardend: failover daemon") &&
                                         Catch::Contains("--daemonize=false") &&
                                         Catch::Contains("--no-pid-file"));
    }
    const auto version = daemon_args({"-V"});
    REQUIRE(version.exit);
    CHECK(version.exit->code == 0);
    CHECK(version.exit->out ==
          std::string("pgwardend ") + PGWARDEN_VERSION + " (repmgrd 5.3 compatible)\n");
}

TEST_CASE("pgwardend --describe-policy prints both machines' tables and exits 0", "[daemon]") {
    const auto result = daemon_args({"--describe-policy"});
    REQUIRE(result.exit);
    CHECK(result.exit->code == 0);
    CHECK(result.exit->err.empty());
    CHECK_THAT(result.exit->out, Catch::StartsWith("standby (and witness) machine\n") &&
                                     Catch::Contains("\nprimary machine\n") &&
                                     Catch::Contains("promote_command runs"));
}

TEST_CASE("help reached before a bad option wins, as getopt reaches it first", "[daemon]") {
    const auto result = daemon_args({"--help", "--frobnicate"});
    REQUIRE(result.exit);
    CHECK(result.exit->code == 0);
    const auto bad_first = daemon_args({"--frobnicate", "--help"});
    REQUIRE(bad_first.exit);
    CHECK(bad_first.exit->code == 1);
}

TEST_CASE("the PID file is -p, else repmgrd_pid_file, else TMPDIR/repmgrd.pid", "[daemon]") {
    DaemonOptions options;
    CHECK(choose_pid_file(options, "", nullptr).path == "/tmp/repmgrd.pid");
    CHECK(choose_pid_file(options, "", "").path == "/tmp/repmgrd.pid");
    CHECK(choose_pid_file(options, "", "/var/tmp").path == "/var/tmp/repmgrd.pid");
    const auto from_config = choose_pid_file(options, "/run/repmgr/repmgrd.pid", "/var/tmp");
    CHECK(from_config.path == "/run/repmgr/repmgrd.pid");
    CHECK_FALSE(from_config.warning);

    options.pid_file = "/run/mine.pid";
    const auto overridden = choose_pid_file(options, "/run/repmgr/repmgrd.pid", nullptr);
    CHECK(overridden.path == "/run/mine.pid");
    REQUIRE(overridden.warning);
    CHECK(*overridden.warning ==
          "-p/--pid-file \"/run/mine.pid\" is used instead of "
          "repmgrd_pid_file \"/run/repmgr/repmgrd.pid\"");
    CHECK_FALSE(choose_pid_file(options, "", nullptr).warning);
}

TEST_CASE("no PID file wins over -p and the config and -s then prints an empty line", "[daemon]") {
    DaemonOptions options;
    options.pid_file = "/run/mine.pid";
    options.no_pid_file = true;
    const auto choice = choose_pid_file(options, "/run/repmgr/repmgrd.pid", "/var/tmp");
    CHECK_FALSE(choice.path);
    CHECK(show_pid_file_text(choice) == "\n");
    CHECK(show_pid_file_text(choose_pid_file(DaemonOptions{}, "", "/t")) == "/t/repmgrd.pid\n");
}

TEST_CASE("an empty argv, as execve allows, parses as no options", "[daemon]") {
    const char* const argv[] = {nullptr};
    const auto result = parse_daemon_options(0, argv);
    REQUIRE(result.options);
    CHECK(result.options->daemonize);
}
