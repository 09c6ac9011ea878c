// Finding repmgr.conf as repmgr does: -f (relative or absolute), ./repmgr.conf, then repmgr's
// search list; a missing file is an error naming it.
#include "config/repmgr_config.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace pgwarden::config;
using pgwarden::test::ChangeDirectory;
using pgwarden::test::TempDir;

namespace {

// Locating a file does not read it.
const std::string kAnyContent = "node_id=1\n";

}  // namespace

TEST_CASE("a missing or unreadable repmgr.conf is an error naming it") {
    TempDir dir;
    CHECK_THROWS_WITH(load_repmgr_conf(dir.path("nope.conf")),
                      dir.path("nope.conf") + ": could not open: No such file or directory");
}

TEST_CASE("repmgr.conf is searched in repmgr's order") {
    CHECK(repmgr_conf_candidates("/home/pg", "/etc/postgresql-common") ==
          std::vector<std::string>{"/home/pg/repmgr.conf", "/etc/repmgr.conf",
                                   "/etc/postgresql-common/repmgr.conf"});
    CHECK(repmgr_conf_candidates("/etc", "/etc") == std::vector<std::string>{"/etc/repmgr.conf"});
    CHECK(repmgr_conf_candidates("/srv/", "") ==
          std::vector<std::string>{"/srv/repmgr.conf", "/etc/repmgr.conf"});
    if (const auto sysconfdir = pg_config_sysconfdir())
        CHECK(sysconfdir->front() == '/');
}

TEST_CASE("an explicit repmgr.conf must exist and comes back absolute") {
    TempDir dir;
    const std::string path = dir.write("node1.conf", kAnyContent);
    CHECK(locate_repmgr_conf(path) == path);
    CHECK_THROWS_WITH(locate_repmgr_conf(dir.path("missing.conf")),
                      dir.path("missing.conf") +
                          ": configuration file given with -f/--config-file not found: No such "
                          "file or directory");
    ChangeDirectory cd(dir.path());
    CHECK(locate_repmgr_conf(std::string("node1.conf")) == path);
    CHECK(locate_repmgr_conf(std::string("./sub/../node1.conf")) == path);
}

TEST_CASE("without -f, ./repmgr.conf is found first") {
    TempDir dir;
    const std::string path = dir.write("repmgr.conf", kAnyContent);
    ChangeDirectory cd(dir.path());
    CHECK(locate_repmgr_conf(std::nullopt) == path);
    CHECK(locate_repmgr_conf(std::string()) == path);  // an empty -f is no -f, as in repmgr
}
