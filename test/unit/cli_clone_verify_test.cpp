// standby clone --verify-backup's search for pg_verifybackup before the copy: a path must exist, a
// bare name is looked up in PATH as the shell would.
#include "clone_scratch_dir.hpp"
#include "clone_verify.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace pgwarden::cli::standby;

namespace {

namespace fs = std::filesystem;
using pgwarden::test::ScratchDir;

}  // namespace

TEST_CASE("pg_verifybackup named by a path is found only where that path exists") {
    ScratchDir dir;
    const auto program = dir.write("pg_verifybackup", "#!/bin/sh\n", fs::perms::owner_all);
    CHECK(find_program(program, "") == program);
    CHECK_FALSE(find_program((dir.path / "missing" / "pg_verifybackup").string(), "/usr/bin"));
}

TEST_CASE("a bare pg_verifybackup is the first executable one in PATH") {
    ScratchDir first;
    ScratchDir second;
    first.write("pg_verifybackup", "#!/bin/sh\n",
                fs::perms::owner_read);  // not executable: skipped
    const auto program = second.write("pg_verifybackup", "#!/bin/sh\n", fs::perms::owner_all);
    const auto path_list = first.path.string() + ":" + second.path.string();
    CHECK(find_program("pg_verifybackup", path_list) == program);
    CHECK_FALSE(find_program("pg_verifybackup", first.path.string()));
    CHECK_FALSE(find_program("pg_verifybackup", ""));
}
