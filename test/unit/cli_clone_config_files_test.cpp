// standby clone --copy-external-config-files' parts that need no server: which files lie inside
// the source's data directory (pg_basebackup copies those), where each copied one lands, the
// refusal of two of one name, and putting a fetched file in place.
#include "clone_config_files.hpp"
#include "clone_scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace pgwarden::cli::standby;
using pgwarden::test::ScratchDir;

TEST_CASE("a file is inside the data directory only below it, never in a sibling") {
    CHECK(inside_directory("/var/lib/pg/15/main/postgresql.conf", "/var/lib/pg/15/main"));
    CHECK(inside_directory("/var/lib/pg/15/main/conf.d/a.conf", "/var/lib/pg/15/main/"));
    CHECK(inside_directory("/data", "/data"));
    CHECK_FALSE(inside_directory("/data2/postgresql.conf", "/data"));
    CHECK_FALSE(inside_directory("/etc/postgresql/15/main/pg_hba.conf", "/var/lib/pg/15/main"));
    CHECK(inside_directory("/etc/x.conf", "/"));
}

TEST_CASE("a copied configuration file keeps its path, or goes into the data directory by name") {
    CHECK(config_file_destination("/etc/postgresql/15/main/pg_hba.conf", false, "/srv/data") ==
          "/etc/postgresql/15/main/pg_hba.conf");
    CHECK(config_file_destination("/etc/postgresql/15/main/pg_hba.conf", true, "/srv/data") ==
          "/srv/data/pg_hba.conf");
    CHECK(config_file_destination("/etc/conf.d/extra.conf", true, "/srv/data/") ==
          "/srv/data/extra.conf");
}

TEST_CASE("two files outside the data directory with one file name are found, in order") {
    const std::vector<ConfigFile> files = {
        {"/etc/pg/a/extra.conf", false, {}},
        {"/srv/data/extra.conf", true, {}},  // inside: pg_basebackup's, not a second copy
        {"/etc/pg/b/extra.conf", false, {}},
        {"/etc/pg/b/pg_hba.conf", false, {}},
    };
    const auto same = same_name_files(files);
    REQUIRE(same);
    CHECK(same->first == "/etc/pg/a/extra.conf");
    CHECK(same->second == "/etc/pg/b/extra.conf");
    CHECK_FALSE(same_name_files({files[0], files[1], files[3]}));
}

namespace {

namespace fs = std::filesystem;

std::string read(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a directory that cannot be made is reported by its path and errno's reason") {
    ScratchDir dir;
    const auto file = dir.write("not-a-directory", "x");
    const auto failure = make_directory(file + "/conf.d");
    REQUIRE(failure);
    CHECK(*failure == "unable to create directory \"" + file + "/conf.d\": Not a directory");
    CHECK_FALSE(make_directory((dir.path / "a" / "b").string()));
    CHECK(fs::is_directory(dir.path / "a" / "b"));
}

TEST_CASE("a fetched configuration file is put in place with its mode, making its directory") {
    ScratchDir dir;
    const FetchedFile fetched{0640, "work_mem = '7MB'\n"};
    const auto destination = (dir.path / "etc" / "extra.conf").string();
    CHECK_FALSE(place_config_file(fetched, destination));
    CHECK(read(destination) == "work_mem = '7MB'\n");
    CHECK(fs::status(destination).permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
    // Nothing beside it: the temporary copy was renamed into place.
    CHECK(std::distance(fs::directory_iterator(dir.path / "etc"), fs::directory_iterator()) == 1);

    // Over an older copy: the new bytes and mode.
    const FetchedFile changed{0600, "work_mem = '9MB'\n"};
    CHECK_FALSE(place_config_file(changed, destination));
    CHECK(read(destination) == "work_mem = '9MB'\n");
    CHECK(fs::status(destination).permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write));

    // Where the directory cannot be made, the reason says so (not that a copy command failed).
    const auto blocked = dir.write("blocked", "");
    const auto failure = place_config_file(fetched, blocked + "/extra.conf");
    REQUIRE(failure);
    CHECK(failure->find("unable to create directory \"" + blocked + "\": Not a directory") == 0);
}
