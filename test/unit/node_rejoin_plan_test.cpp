// The pure parts of node rejoin: its options, pg_controldata, the clean-shutdown rule, the
// attach-or-rewind decision and the --dry-run report, with repmgr 5.3's wording.
#include "node_rejoin_plan.hpp"
#include "command_lines.hpp"

#include "exec/shell.hpp"
#include "model/exit_codes.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace pgwarden::cli;
using namespace pgwarden::cli::rejoin;
using pgwarden::log::Level;
using pgwarden::model::Lsn;
using pgwarden::model::parse_lsn;
using Kind = Line::Kind;

namespace {

using pgwarden::test::pgwarden_args;

Lsn lsn(const char* text) {
    return parse_lsn(text).value();
}

// What pg_controldata printed for a former primary stopped with -m fast (PostgreSQL 15).
constexpr const char* kControlData =
    "pg_control version number:            1300\n"
    "Catalog version number:               202209061\n"
    "Database system identifier:           7312345678901234567\n"
    "Database cluster state:               shut down\n"
    "pg_control last modified:             Tue Dec  1 10:00:00 2026\n"
    "Latest checkpoint location:           0/5000028\n"
    "Latest checkpoint's REDO location:    0/5000028\n"
    "Latest checkpoint's TimeLineID:       1\n"
    "Minimum recovery ending location:     0/0\n"
    "Min recovery ending loc's timeline:   0\n"
    "Data page checksum version:           0\n";

pgwarden::failover::AttachFacts diverged() {
    pgwarden::failover::AttachFacts facts;
    facts.local_system_id = facts.target_system_id = "7312345678901234567";
    facts.local_tli = 1;
    facts.local_lsn = lsn("0/5000028");
    facts.target_tli = 2;
    facts.target_lsn = lsn("0/6000000");
    facts.fork_lsn = lsn("0/40000A0");
    return facts;
}

}  // namespace

TEST_CASE("node rejoin takes -p or -U alone, as repmgr connects by its parameters") {
    // Nothing of -d/-h/-p/-U is check_cli_parameters()'s to refuse (option_applicability).
    const auto port = parse_rejoin_options(pgwarden_args({"node", "rejoin", "-p", "5433"}));
    REQUIRE(port.options);
    CHECK(port.errors.empty());
    CHECK(port.options->source_conninfo == "port=5433");
    const auto user = parse_rejoin_options(pgwarden_args({"node", "rejoin", "-U", "repmgr"}));
    REQUIRE(user.options);
    CHECK(user.options->source_conninfo == "user=repmgr");
}

TEST_CASE("node rejoin reads --force-rewind, --config-files, --config-archive-dir and -W") {
    const auto parsed = parse_rejoin_options(
        pgwarden_args({"node", "rejoin", "-d", "host=node2 dbname=repmgr", "--force-rewind",
                       "--config-files=postgresql.conf, pg_hba.conf,,",
                       "--config-archive-dir=/var/tmp", "-W", "--dry-run"}));
    REQUIRE(parsed.options);
    const auto& o = *parsed.options;
    CHECK(o.source_conninfo == "host=node2 dbname=repmgr");
    CHECK(o.force_rewind);
    CHECK(o.rewind_program.empty());
    CHECK(o.config_files == std::vector<std::string>{"postgresql.conf", "pg_hba.conf"});
    CHECK(o.config_archive_dir == "/var/tmp");
    CHECK_FALSE(o.wait);
    CHECK(o.dry_run);
}

TEST_CASE("node rejoin waits by default, and --no-wait and a pg_rewind path are understood") {
    const auto waits = parse_rejoin_options(pgwarden_args({"node", "rejoin", "-d", "host=a"}));
    REQUIRE(waits.options);
    CHECK(waits.options->wait);
    CHECK_FALSE(waits.options->force_rewind);
    CHECK(waits.options->config_archive_dir == "/tmp");

    const auto no_wait = parse_rejoin_options(pgwarden_args(
        {"node", "rejoin", "-d", "host=a", "--no-wait", "--force-rewind=/opt/pg/bin/pg_rewind"}));
    REQUIRE(no_wait.options);
    CHECK_FALSE(no_wait.options->wait);
    CHECK(no_wait.options->force_rewind);
    CHECK(no_wait.options->rewind_program == "/opt/pg/bin/pg_rewind");
}

TEST_CASE("a database name and -h/-p/-U make the conninfo of the rejoin source") {
    const auto parsed = parse_rejoin_options(pgwarden_args(
        {"node", "rejoin", "-d", "repmgr", "-h", "node2", "-p", "5433", "-U", "repmgr"}));
    REQUIRE(parsed.options);
    CHECK(parsed.options->source_conninfo == "dbname=repmgr host=node2 port=5433 user=repmgr");
}

TEST_CASE("a -d conninfo wins over -h, -p and -U, as repmgr's conninfo settings take priority") {
    const auto parsed = parse_rejoin_options(
        pgwarden_args({"node", "rejoin", "-h", "node3", "-p", "5434", "-U", "other", "-d",
                       "host=node2 port=5433 user=repmgr dbname=repmgr"}));
    REQUIRE(parsed.options);
    CHECK(parsed.options->source_conninfo == "user=repmgr dbname=repmgr host=node2 port=5433");
    // What the conninfo leaves out or empty, -h/-p/-U still give.
    const auto partial = parse_rejoin_options(pgwarden_args(
        {"node", "rejoin", "-h", "node3", "-p", "5434", "-d", "host='' dbname=repmgr"}));
    REQUIRE(partial.options);
    CHECK(partial.options->source_conninfo == "dbname=repmgr host=node3 port=5434");
}

TEST_CASE("a -d conninfo libpq cannot parse is a command line error") {
    const auto parsed =
        parse_rejoin_options(pgwarden_args({"node", "rejoin", "-d", "host='unterminated"}));
    CHECK_FALSE(parsed.options);
    REQUIRE(parsed.errors.size() == 1);
    CHECK(parsed.errors[0].rfind("error parsing conninfo: ", 0) == 0);
}

TEST_CASE("node rejoin refuses --config-files without --force-rewind") {
    const auto parsed = parse_rejoin_options(
        pgwarden_args({"node", "rejoin", "-d", "host=a", "--config-files=x.conf"}));
    CHECK_FALSE(parsed.options);
    CHECK(parsed.errors ==
          std::vector<std::string>{
              "--config-files can only be used in conjunction with --force-rewind"});
}

TEST_CASE("pg_controldata gives the state, the system and where the WAL ends") {
    const auto control = parse_controldata(kControlData);
    REQUIRE(control);
    CHECK(control->state == "shut down");
    CHECK(control->system_id == "7312345678901234567");
    CHECK(control->checkpoint_tli == 1);
    CHECK(control->checkpoint_lsn == lsn("0/5000028"));
    CHECK(control->min_recovery_tli == 0);
    CHECK(control->checksum_version == 0);
    const auto point = recovery_point(*control);
    CHECK(point.tli == 1);
    CHECK(point.lsn == lsn("0/5000028"));
}

TEST_CASE("a former standby's recovery point is its minimum recovery point") {
    ControlData control;
    control.checkpoint_tli = 1;
    control.checkpoint_lsn = lsn("0/3000000");
    control.min_recovery_tli = 2;
    control.min_recovery_lsn = lsn("0/3000100");
    const auto point = recovery_point(control);
    CHECK(point.tli == 2);
    CHECK(point.lsn == lsn("0/3000100"));
}

TEST_CASE("pg_controldata output without a state or a checkpoint is not understood") {
    CHECK_FALSE(parse_controldata(""));
    CHECK_FALSE(parse_controldata("Database cluster state: shut down\n"));
}

TEST_CASE("PG_VERSION becomes repmgr's server version number") {
    CHECK(version_num_from_pg_version("15\n") == 150000);
    CHECK(version_num_from_pg_version("9.6\n") == 90600);
    CHECK_FALSE(version_num_from_pg_version("garbage"));
}

TEST_CASE("a cleanly shut down data directory may rejoin") {
    for (const char* state : {"shut down", "shut down in recovery"}) {
        const auto verdict = shutdown_verdict(state, 150000, false);
        CHECK(verdict.report.empty());
        CHECK_FALSE(verdict.exit_code);
        CHECK_FALSE(verdict.unclean);
    }
}

TEST_CASE("an unclean shutdown is refused unless pg_rewind can recover it") {
    const auto refused = shutdown_verdict("in production", 150000, false);
    CHECK(refused.exit_code == pgwarden::model::kErrRejoinFail);
    CHECK(refused.report ==
          Report{{Level::error, Kind::message, "database is not shut down cleanly"},
                 {Level::error, Kind::hint, "provide --force-rewind to run recovery"}});

    const auto recovered = shutdown_verdict("in production", 150000, true);
    CHECK_FALSE(recovered.exit_code);
    CHECK(recovered.unclean);
    CHECK(recovered.report ==
          Report{{Level::warning, Kind::message, "database is not shut down cleanly"},
                 {Level::warning, Kind::detail,
                  "--force-rewind provided, pg_rewind will automatically perform recovery"}});

    const auto old = shutdown_verdict("in production", 120000, true);
    CHECK(old.exit_code == pgwarden::model::kErrRejoinFail);
    CHECK(old.report.size() == 3);
    CHECK(old.report[1].text == "pg_rewind will not be able to run");

    CHECK(shutdown_verdict("shutting down", 150000, true).exit_code ==
          pgwarden::model::kErrRejoinFail);
}

TEST_CASE("a node that stopped before the fork point attaches without pg_rewind") {
    auto facts = diverged();
    facts.local_lsn = lsn("0/4000028");
    const auto verdict = attach_verdict(facts, false, 1, 2);
    CHECK(verdict.action == AttachVerdict::Action::attach);
    CHECK_FALSE(verdict.rewind_required);
    REQUIRE(verdict.report.size() == 4);
    CHECK(verdict.report[0].text == "local and rejoin target system identifiers match");
    CHECK(verdict.report[1].text == "system identifier is 7312345678901234567");
    // repmgr shows the identifier check only with --verbose or --dry-run.
    CHECK(verdict.report[0].verbose_only);
    CHECK(verdict.report[1].verbose_only);
    CHECK_FALSE(verdict.report[2].verbose_only);
    CHECK(verdict.report[2] ==
          Line{Level::info, Kind::message, "local node 1 can attach to rejoin target node 2"});
    CHECK(verdict.report[3].text ==
          "local node's recovery point: 0/4000028; rejoin target node's fork point: 0/40000A0");
}

TEST_CASE(
    "node rejoin --force-rewind runs pg_rewind even where it is not required, as repmgr does") {
    auto facts = diverged();
    facts.local_lsn = lsn("0/4000028");
    const auto verdict = attach_verdict(facts, true, 1, 2);
    CHECK(verdict.action == AttachVerdict::Action::rewind);
    CHECK_FALSE(verdict.rewind_required);
    // Only the identifier lines: no "can attach", no "pg_rewind execution required".
    REQUIRE(verdict.report.size() == 2);
    CHECK(verdict.report[1].verbose_only);
}

TEST_CASE("a node that wrote past the fork point needs pg_rewind, and --force-rewind for it") {
    const auto refused = attach_verdict(diverged(), false, 1, 2);
    CHECK(refused.action == AttachVerdict::Action::refuse);
    REQUIRE(refused.report.size() == 5);
    CHECK(refused.report[2] ==
          Line{Level::error, Kind::message, "this node cannot attach to rejoin target node 2"});
    CHECK(refused.report[3].text ==
          "rejoin target server's timeline 2 forked off current database system timeline 1 "
          "before current recovery point 0/5000028");
    CHECK(refused.report[4] ==
          Line{Level::error, Kind::hint, "use --force-rewind to execute pg_rewind"});

    CHECK(refused.rewind_required);
    const auto rewind = attach_verdict(diverged(), true, 1, 2);
    CHECK(rewind.action == AttachVerdict::Action::rewind);
    CHECK(rewind.rewind_required);
    REQUIRE(rewind.report.size() == 4);
    CHECK(rewind.report[2] ==
          Line{Level::notice, Kind::message,
               "pg_rewind execution required for this node to attach to rejoin target node 2"});
    CHECK(rewind.report[3].text == refused.report[3].text);
}

TEST_CASE("a node of another system is refused even with --force-rewind") {
    auto facts = diverged();
    facts.target_system_id = "1";
    const auto verdict = attach_verdict(facts, true, 1, 2);
    CHECK(verdict.action == AttachVerdict::Action::refuse);
    CHECK(verdict.report.front().level == Level::error);
    CHECK(verdict.report.front().text ==
          "this node is not part of the rejoin target node's replication cluster");
}

TEST_CASE("the pg_rewind command is repmgr's, with the data directory quoted for the shell") {
    CHECK(rewind_command("/usr/lib/postgresql/15/bin/pg_rewind", "/srv/pg data",
                         "host=n2 dbname=repmgr") ==
          "/usr/lib/postgresql/15/bin/pg_rewind -D '/srv/pg data' "
          "--source-server='host=n2 dbname=repmgr'");
    CHECK(shell_quote("it's") == "'it'\"'\"'s'");
    // A conninfo from repmgr.nodes is one word for the shell, quotes and $(...) included.
    CHECK(rewind_command("pg_rewind", "/srv/data", "host=n2 application_name='$(touch x)'") ==
          "pg_rewind -D '/srv/data' --source-server='host=n2 application_name='\"'\"'$(touch "
          "x)'\"'\"''");
    CHECK(archive_directory("/tmp", "node1") == "/tmp/repmgr-config-archive-node1");
}

TEST_CASE("a hostile conninfo in repmgr.nodes reaches pg_rewind as one argument, never run") {
    pgwarden::test::TempDir dir("rewind-inject");
    const auto marker = dir.path("x");
    for (const std::string& conninfo :
         {"host=n2 application_name='$(touch " + marker + ")'", "host=n2' ; touch " + marker + " '",
          "host=n2 `touch " + marker + "`"}) {
        INFO(conninfo);
        // printf stands in for pg_rewind: one line per argument it was given.
        const auto outcome = pgwarden::exec::run_shell(
            rewind_command("printf '[%s]\\n'", dir.path("data"), conninfo),
            std::chrono::seconds(5));
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.output ==
              "[-D]\n[" + dir.path("data") + "]\n[--source-server=" + conninfo + "]\n");
        CHECK_FALSE(std::filesystem::exists(marker));
    }
}

TEST_CASE("the dry run says whether pg_rewind would run and which files it would keep") {
    RejoinOptions options;
    options.force_rewind = true;
    options.config_files = {"postgresql.conf", "missing.conf"};
    const auto report = dry_run_report(options, true, "pg_rewind -D '/d' --source-server='x'",
                                       "/tmp/repmgr-config-archive-node1", {true, false}, "/d");
    CHECK(report ==
          Report{{Level::info, Kind::message, "prerequisites for using pg_rewind are met"},
                 {Level::info, Kind::message,
                  "file \"postgresql.conf\" would be copied to "
                  "\"/tmp/repmgr-config-archive-node1/postgresql.conf\""},
                 {Level::warning, Kind::message,
                  "specified file \"/d/missing.conf\" not found, skipping"},
                 {Level::info, Kind::message, "pg_rewind would now be executed"},
                 {Level::info, Kind::detail,
                  "pg_rewind command is:\n  pg_rewind -D '/d' --source-server='x'"},
                 {Level::info, Kind::message, "prerequisites for executing NODE REJOIN are met"}});

    const auto no_rewind = dry_run_report(options, false, "", "", {}, "/d");
    CHECK(no_rewind ==
          Report{{Level::info, Kind::message, "prerequisites for executing NODE REJOIN are met"}});
}
