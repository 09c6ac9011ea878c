// Running as the postgres OS user when the tests run as root (PostgreSQL refuses root): who
// that is, the environment a child gets as that user, and handing files over to it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace pgwarden::test {

// Who `as_postgres` runs as; looked up before fork(), since the child may not allocate.
struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string name;
    std::string home;
};

// The postgres user when `as_postgres` and the test runs as root; nullptr (stay who we are)
// otherwise. Throws when running as root and there is no postgres user.
const Identity* identity_for(bool as_postgres);

// This process's environment, with HOME, USER and LOGNAME of `identity` when it is not null.
std::vector<std::string> environment_for(const Identity* identity);

// When the test runs as root, makes `path` owned by the postgres OS user (and its group), as
// files PostgreSQL must write or delete need to be; a no-op otherwise. Throws on failure.
void give_to_postgres(const std::string& path);

// Where tests put their servers and files: /dev/shm when it is a writable tmpfs, else /tmp.
const char* scratch_base();
// A new private directory <scratch_base()>/<prefix>-XXXXXX (mode 0700) given to postgres, for a
// test's servers and files; returns its path. Throws (leaving nothing behind) on failure.
std::string make_postgres_dir(const std::string& prefix);

}  // namespace pgwarden::test
