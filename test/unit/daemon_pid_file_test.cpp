#include "pid_file.hpp"
#include "temp_dir.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using pgwarden::daemon::parse_pid_text;
using pgwarden::daemon::PidFile;
using pgwarden::daemon::PidFileError;
using pgwarden::daemon::process_is_daemon;
using pgwarden::daemon::process_is_ours;
using pgwarden::daemon::process_is_running;

using pgwarden::test::read_file;

namespace {

// The PID of a process that has exited and been reaped, so no process has it (until reuse,
// which takes a whole cycle of the PID space).
pid_t dead_pid() {
    std::fflush(nullptr);  // or the child would write our buffered output again
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

// A running process that calls itself pgwardend (argv[0]), killed and reaped at scope exit.
class FakeDaemon {
  public:
    FakeDaemon() {
        std::fflush(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::execl("/bin/sleep", "/usr/bin/pgwardend", "30", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Until exec, /proc shows the test binary's name.
        for (int i = 0; i < 200 && !process_is_daemon(pid_).value_or(false); ++i)
            ::usleep(10000);
    }
    ~FakeDaemon() {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_;
};

}  // namespace

TEST_CASE("PID file text is a positive decimal PID with optional whitespace", "[daemon]") {
    CHECK(parse_pid_text("1234") == 1234);
    CHECK(parse_pid_text("1234\n") == 1234);
    CHECK(parse_pid_text(" 42 \r\n") == 42);
    CHECK_FALSE(parse_pid_text(""));
    CHECK_FALSE(parse_pid_text("\n"));
    CHECK_FALSE(parse_pid_text("0"));
    CHECK_FALSE(parse_pid_text("-5"));
    CHECK_FALSE(parse_pid_text("12ab"));
    CHECK_FALSE(parse_pid_text("99999999999999999999"));
}

TEST_CASE("a running process counts as running and a reaped one does not", "[daemon]") {
    CHECK(process_is_running(::getpid()));
    CHECK_FALSE(process_is_running(dead_pid()));
    CHECK_FALSE(process_is_running(0));
}

TEST_CASE("a new PID file holds our PID and is removed at scope exit", "[daemon]") {
    pgwarden::test::TempDir dir("pidfile");
    const std::string path = dir.path("repmgrd.pid");
    {
        PidFile pid_file(path);
        CHECK(read_file(path) == std::to_string(::getpid()) + "\n");
        CHECK(pid_file.pid() == ::getpid());
        CHECK_FALSE(pid_file.replaced_stale_pid());
        // Only the PID file is left in the directory: the temporary was cleaned up.
        CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                            std::filesystem::directory_iterator()) == 1);
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a PID file of a running pgwardend is refused and left alone", "[daemon]") {
    pgwarden::test::TempDir dir("pidfile");
    FakeDaemon daemon;
    const pid_t parent = daemon.pid();  // running, a pgwardend, and not us
    const std::string path = dir.write("repmgrd.pid", std::to_string(parent));
    CHECK_THROWS_MATCHES(PidFile(path), PidFileError,
                         Catch::Matchers::Predicate<PidFileError>(
                             [&](const PidFileError& e) {
                                 const std::string what = e.what();
                                 return what.find(path) != std::string::npos &&
                                        what.find("holds PID " + std::to_string(parent)) !=
                                            std::string::npos &&
                                        what.find("stop it first") != std::string::npos;
                             },
                             "names the file, the PID and what to do"));
    CHECK(read_file(path) == std::to_string(parent));
}

TEST_CASE("a PID file naming a live process that is not a pgwardend is replaced", "[daemon]") {
    pgwarden::test::TempDir dir("pidfile");
    const pid_t parent = ::getppid();  // the shell or ctest that runs us: alive, not a daemon
    const std::string path = dir.write("repmgrd.pid", std::to_string(parent));
    PidFile pid_file(path);
    CHECK(pid_file.replaced_stale_pid() == parent);
    CHECK(read_file(path) == std::to_string(::getpid()) + "\n");
}

TEST_CASE(
    "a pgwardend of another user does not hold the PID file and one it cannot remove names "
    "its owner",
    "[daemon]") {
    const passwd* postgres = ::getpwnam("postgres");
    if (::geteuid() != 0 || postgres == nullptr) {
        WARN("needs root and a postgres user, to be another user than the daemon's");
        return;
    }
    FakeDaemon root_daemon;  // root's, so the postgres user may not signal it
    pgwarden::test::TempDir dir("pidfile");
    // postgres's own directory, and a sticky one like /tmp; in both the file is root's.
    const auto own = dir.path("own");
    const auto sticky = dir.path("sticky");
    std::filesystem::create_directory(own);
    std::filesystem::create_directory(sticky);
    REQUIRE(::chown(own.c_str(), postgres->pw_uid, postgres->pw_gid) == 0);
    REQUIRE(::chmod(sticky.c_str(), 01777) == 0);
    const auto daemon_pid = std::to_string(root_daemon.pid());
    dir.write("own/repmgrd.pid", daemon_pid);
    dir.write("sticky/repmgrd.pid", daemon_pid);
    CHECK(process_is_ours(root_daemon.pid()));  // root may signal anything

    // As the postgres user, in a child: 0 when the file was taken over, 2 when refused with
    // the owner named, 1 otherwise.
    const auto as_postgres = [&](const std::string& path) {
        std::fflush(nullptr);
        const pid_t child = ::fork();
        if (child == 0) {
            if (::setgid(postgres->pw_gid) != 0 || ::setuid(postgres->pw_uid) != 0)
                ::_exit(1);
            try {
                PidFile pid_file(path);
                ::_exit(pid_file.replaced_stale_pid() == root_daemon.pid() ? 0 : 1);
            } catch (const PidFileError& e) {
                const std::string what = e.what();
                ::_exit(what.find("belongs to user ID 0") != std::string::npos ? 2 : 1);
            }
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    CHECK(as_postgres(own + "/repmgrd.pid") == 0);
    CHECK(as_postgres(sticky + "/repmgrd.pid") == 2);
    CHECK(read_file(sticky + "/repmgrd.pid") == daemon_pid);
}

TEST_CASE("only a process named pgwardend or repmgrd counts as a daemon", "[daemon]") {
    pgwarden::test::TempDir proc("proc");
    proc.write("10/comm", "repmgrd\n");
    proc.write("11/comm", "sleep\n");
    proc.write("11/cmdline", std::string("/opt/bin/pgwardend\0-f\0x", 23));
    proc.write("12/comm", "bash\n");
    proc.write("12/cmdline", std::string("bash\0pgwardend\0", 15));
    CHECK(process_is_daemon(10, proc.path()) == true);
    CHECK(process_is_daemon(11, proc.path()) == true);
    CHECK(process_is_daemon(12, proc.path()) == false);
    proc.write("14/comm", "pgwardend-21904\n");  // a copy with a suffix, as the harness runs
    CHECK(process_is_daemon(14, proc.path()) == true);
    CHECK_FALSE(process_is_daemon(13, proc.path()).has_value());
    CHECK(process_is_daemon(::getpid()) == false);
}

TEST_CASE("a stale PID file is replaced", "[daemon]") {
    pgwarden::test::TempDir dir("pidfile");
    const pid_t dead = dead_pid();
    const std::string path = dir.write("repmgrd.pid", std::to_string(dead));
    PidFile pid_file(path);
    CHECK(pid_file.replaced_stale_pid() == dead);
    CHECK(read_file(path) == std::to_string(::getpid()) + "\n");
}

TEST_CASE("an empty or garbled PID file is replaced", "[daemon]") {
    pgwarden::test::TempDir dir("pidfile");
    for (const char* text : {"", "not a pid\n"}) {
        const std::string path = dir.write("repmgrd.pid", text);
        {
            PidFile pid_file(path);
            CHECK_FALSE(pid_file.replaced_stale_pid());
            CHECK(read_file(path) == std::to_string(::getpid()) + "\n");
        }
        CHECK_FALSE(std::filesystem::exists(path));
    }
}

TEST_CASE("a PID file that another process took over is not removed", "[daemon]") {
    pgwarden::test::TempDir dir("pidfile");
    const std::string path = dir.path("repmgrd.pid");
    {
        PidFile pid_file(path);
        std::ofstream(path, std::ios::trunc) << "1\n";
    }
    CHECK(read_file(path) == "1\n");
}

TEST_CASE("a PID file in a missing directory fails with the path and a hint", "[daemon]") {
    pgwarden::test::TempDir dir("pidfile");
    const std::string path = dir.path("no/such/dir/repmgrd.pid");
    CHECK_THROWS_WITH(PidFile(path), Catch::Contains(path) &&
                                         Catch::Contains("No such file or directory") &&
                                         Catch::Contains("-p/--pid-file"));
}
