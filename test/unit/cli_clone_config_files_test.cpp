// standby clone --copy-external-config-files' pure parts: which files lie inside the source's
// data directory (pg_basebackup copies those), and where each copied one lands.
#include "clone_config_files.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cli::standby;

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
