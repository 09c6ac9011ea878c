// The PGDG (EL) and Debian layouts found without flags: /etc/repmgr/NN/repmgr.conf and the
// pg_bindir fallback, on fake directory trees.
#include "config/config_error.hpp"
#include "config/pg_bindir_locate.hpp"
#include "config/repmgr_conf_locate.hpp"

#include "fake_host.hpp"
#include "temp_dir.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>

using pgwarden::config::locate_pg_program;
using pgwarden::config::locate_repmgr_conf;
using pgwarden::test::FakeHost;

namespace {

// A CentOS node as PGDG sets it up: PostgreSQL 12 and repmgr12, nothing on PATH.
FakeHost pgdg_node() {
    FakeHost host;
    for (const char* program : {"postgres", "pg_ctl", "pg_basebackup", "pg_rewind"})
        host.program(std::string("/usr/pgsql-12/bin/") + program);
    host.file("/etc/repmgr/12/repmgr.conf", "node_id=1\n");
    host.file("/var/lib/pgsql/12/data/PG_VERSION", "12\n");
    return host;
}

// A Debian node with postgresql-common: two server versions, the older one in use.
FakeHost debian_node() {
    FakeHost host;
    for (const char* version : {"13", "15"}) {
        for (const char* program : {"postgres", "pg_ctl", "pg_basebackup", "pg_rewind"})
            host.program(fmt::format("/usr/lib/postgresql/{}/bin/{}", version, program));
    }
    host.file("/etc/postgresql-common/repmgr.conf", "node_id=2\n");
    host.file("/var/lib/postgresql/13/main/PG_VERSION", "13\n");
    host.pg_config_answer("--sysconfdir", "/etc/postgresql-common");
    host.pg_config_answer("--bindir", "/usr/lib/postgresql/15/bin");
    return host;
}

}  // namespace

TEST_CASE("a PGDG node's /etc/repmgr/NN/repmgr.conf is found without -f") {
    CHECK(locate_repmgr_conf(std::nullopt, pgdg_node()) == "/etc/repmgr/12/repmgr.conf");
    CHECK(pgwarden::config::pgdg_repmgr_confs(pgdg_node()) ==
          std::vector<std::string>{"/etc/repmgr/12/repmgr.conf"});
}

TEST_CASE("several PGDG versions' repmgr.conf ask for -f instead of a guess") {
    auto host = pgdg_node();
    host.file("/etc/repmgr/9.6/repmgr.conf").file("/etc/repmgr/16/repmgr.conf");
    host.file("/etc/repmgr/16/README");  // a version directory without the file does not count
    host.file("/etc/repmgr/old/repmgr.conf");  // nor a directory that is no version
    CHECK(pgwarden::config::pgdg_repmgr_confs(host) ==
          std::vector<std::string>{"/etc/repmgr/16/repmgr.conf", "/etc/repmgr/12/repmgr.conf",
                                   "/etc/repmgr/9.6/repmgr.conf"});
    CHECK_THROWS_WITH(locate_repmgr_conf(std::nullopt, host),
                      Catch::Contains("several PGDG configuration files found "
                                      "(/etc/repmgr/16/repmgr.conf, /etc/repmgr/12/repmgr.conf, "
                                      "/etc/repmgr/9.6/repmgr.conf)") &&
                          Catch::Contains("-f/--config-file"));
}

TEST_CASE("a Debian node's repmgr.conf is found in pg_config's sysconfdir") {
    const pgwarden::test::TempDir empty_cwd;
    const std::string cwd = std::filesystem::path(empty_cwd.path()).parent_path().string();
    const pgwarden::test::ChangeDirectory cd(cwd);
    CHECK(locate_repmgr_conf(std::nullopt, debian_node()) == "/etc/postgresql-common/repmgr.conf");
    auto with_etc = debian_node();
    with_etc.file("/etc/repmgr.conf");
    CHECK(locate_repmgr_conf(std::nullopt, with_etc) == "/etc/repmgr.conf");
    CHECK_THROWS_WITH(locate_repmgr_conf(std::nullopt, FakeHost()),
                      Catch::Contains("looked for /etc/repmgr/NN/repmgr.conf, " + cwd +
                                      "/repmgr.conf, /etc/repmgr.conf, "
                                      "/etc/postgresql-common/repmgr.conf"));
}

TEST_CASE("pg_bindir, when set, is used as is, without a search") {
    const auto program = locate_pg_program(pgdg_node(), "/opt/pg/bin/", "", "pg_ctl");
    CHECK(program.path == "/opt/pg/bin/pg_ctl");
    CHECK(program.reason == "pg_bindir");
}

TEST_CASE("without pg_bindir, the running server's own directory comes first") {
    auto host = pgdg_node();
    host.program("/usr/pgsql-16/bin/pg_ctl");
    host.file("/var/lib/pgsql/12/data/postmaster.pid", "4242\n/var/lib/pgsql/12/data\n");
    host.link("/proc/4242/exe", "/usr/pgsql-12/bin/postgres");
    auto program = locate_pg_program(host, "", "/var/lib/pgsql/12/data", "pg_ctl");
    CHECK(program.path == "/usr/pgsql-12/bin/pg_ctl");
    CHECK(program.reason ==
          "pg_bindir not set; found in /usr/pgsql-12/bin (the running server's "
          "directory)");

    // A binary an upgrade replaced still names its directory.
    host.link("/proc/4242/exe", "/usr/pgsql-12/bin/postgres (deleted)");
    CHECK(pgwarden::config::running_server_bindir(host, "/var/lib/pgsql/12/data") ==
          "/usr/pgsql-12/bin");
    // A stale postmaster.pid whose PID is now another program says nothing.
    host.link("/proc/4242/exe", "/usr/bin/bash");
    CHECK_FALSE(pgwarden::config::running_server_bindir(host, "/var/lib/pgsql/12/data"));
    host.file("/var/lib/pgsql/12/data/postmaster.pid", "not a pid\n");
    CHECK_FALSE(pgwarden::config::running_server_bindir(host, "/var/lib/pgsql/12/data"));
}

TEST_CASE("without a running server, PG_VERSION picks the version in either layout") {
    auto pgdg = pgdg_node();
    pgdg.program("/usr/pgsql-16/bin/pg_ctl");
    CHECK(locate_pg_program(pgdg, "", "/var/lib/pgsql/12/data", "pg_ctl").path ==
          "/usr/pgsql-12/bin/pg_ctl");
    // Debian: 13's data directory gets 13's pg_ctl, although pg_config answers for 15.
    const auto debian =
        locate_pg_program(debian_node(), "", "/var/lib/postgresql/13/main", "pg_ctl");
    CHECK(debian.path == "/usr/lib/postgresql/13/bin/pg_ctl");
    CHECK(debian.reason ==
          "pg_bindir not set; found in /usr/lib/postgresql/13/bin (PG_VERSION 13 "
          "of data_directory)");
}

TEST_CASE("a clone's empty data directory takes pg_config's, else the newest installed") {
    CHECK(
        locate_pg_program(debian_node(), "", "/var/lib/postgresql/15/main", "pg_basebackup").path ==
        "/usr/lib/postgresql/15/bin/pg_basebackup");
    auto pgdg = pgdg_node();
    pgdg.program("/usr/pgsql-9.6/bin/pg_basebackup").program("/usr/pgsql-16/bin/pg_basebackup");
    const auto program = locate_pg_program(pgdg, "", "", "pg_basebackup");
    CHECK(program.path == "/usr/pgsql-16/bin/pg_basebackup");
    CHECK(program.reason ==
          "pg_bindir not set; found in /usr/pgsql-16/bin (the newest PostgreSQL "
          "installed)");
    CHECK(pgwarden::config::installed_bindirs(pgdg) ==
          std::vector<std::string>{"/usr/pgsql-16/bin", "/usr/pgsql-12/bin", "/usr/pgsql-9.6/bin"});
}

TEST_CASE("a directory without the program is skipped, and nothing found means PATH") {
    auto host = pgdg_node();
    host.program("/usr/lib/postgresql/12/bin/pg_receivewal");
    CHECK(locate_pg_program(host, "", "/var/lib/pgsql/12/data", "pg_receivewal").path ==
          "/usr/lib/postgresql/12/bin/pg_receivewal");
    const auto none = locate_pg_program(FakeHost(), "", "/srv/data", "pg_ctl");
    CHECK(none.path == "pg_ctl");
    CHECK(none.reason == "pg_bindir not set and no PostgreSQL bin directory has it; using PATH");
}

TEST_CASE("major versions are numbers as PGDG and Debian name their directories") {
    using pgwarden::config::is_major_version;
    for (const char* yes : {"9.6", "12", "16", "10.1"})
        CHECK(is_major_version(yes));
    for (const char* no : {"", "main", "12a", ".5", "9.", "9.6.1", "123456", "-1"})
        CHECK_FALSE(is_major_version(no));
    std::vector<std::string> versions{"9.6", "12", "10", "9.6", "16"};
    pgwarden::config::sort_newest_first(versions);
    CHECK(versions == std::vector<std::string>{"16", "12", "10", "9.6"});
}
