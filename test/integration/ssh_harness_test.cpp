// The loopback sshd fixture checks itself: repmgr's ssh command line logs in as the user the CLI
// runs as with the authorised key, and nothing else gets in.
#include "postgres_user.hpp"
#include "sshd.hpp"

#include <catch2/catch.hpp>

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <string>

using namespace pgwarden::test;

namespace {

std::string expected_user() {
    if (const Identity* id = identity_for(true))
        return id->name;
    return getpwuid(geteuid())->pw_name;
}

}  // namespace

TEST_CASE(
    "the loopback sshd runs a command as postgres with the authorised key and refuses "
    "another key",
    "[harness][ssh]") {
    std::string dir;
    {
        LoopbackSshd sshd;
        dir = sshd.dir();
        const auto id = sshd.ssh("id -un");
        INFO(id.describe() << "\nsshd log:\n" << sshd.log_tail());
        REQUIRE(id.ok());
        CHECK(id.out == expected_user() + "\n");

        // The remote side runs the command line through the login shell, as repmgr relies on.
        const auto shell = sshd.ssh("'echo \"$0\" && /bin/true && echo 1 || echo 0'");
        INFO(shell.describe());
        CHECK(shell.ok());
        CHECK(shell.out.find("1\n") != std::string::npos);

        const auto refused = sshd.ssh("id -un", sshd.ssh_options_with(sshd.unauthorized_key()));
        CHECK(refused.exit_code == 255);
        CHECK(refused.out.empty());

        // A server whose host key is not the one known_hosts holds is refused (strict checking);
        // ssh takes the first value of an option, so the prepended file wins.
        LoopbackSshd other;
        const auto impostor = other.ssh(
            "id -un", "-o UserKnownHostsFile=" + sshd.known_hosts() + " " + other.ssh_options());
        CHECK(impostor.exit_code == 255);
        CHECK(impostor.out.empty());
    }
    // Stopped and cleaned up with the fixture.
    CHECK_FALSE(std::filesystem::exists(dir));
}
