#include "daemonize.hpp"
#include "pid_file.hpp"
#include "temp_dir.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

using pgwarden::daemon::daemon_working_directory;
using pgwarden::daemon::Daemonizer;
using pgwarden::daemon::wait_for_daemon_report;

using pgwarden::test::read_file;

namespace {

// Plays "the process systemd started" in a forked child whose stderr goes to `stderr_path`:
// it detaches, and `daemon_body` runs in the daemon, which must end by _exit. Returns the exit
// status of the started process. No Catch macro runs in a child.
int run_started_process(const std::string& stderr_path, const std::string& working_directory,
                        const std::function<void(Daemonizer&)>& daemon_body) {
    std::fflush(nullptr);  // or the child would write our buffered output again
    const pid_t started = ::fork();
    if (started == 0) {
        try {
            const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(err, STDERR_FILENO);
            Daemonizer daemonizer;
            daemonizer.detach(working_directory);
            daemon_body(daemonizer);
        } catch (...) {
        }
        ::_exit(99);
    }
    int status = 0;
    ::waitpid(started, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Report {
    int code;
    std::string err;
};

Report report_of(const std::string& sent, bool close_sender) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    REQUIRE(::write(fds[1], sent.data(), sent.size()) == static_cast<ssize_t>(sent.size()));
    if (close_sender)
        ::close(fds[1]);
    pgwarden::test::TempDir dir("report");
    const std::string err_path = dir.path("err");
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT, 0600);
    const int code = wait_for_daemon_report(fds[0], err);
    ::close(err);
    ::close(fds[0]);
    if (!close_sender)
        ::close(fds[1]);
    return {code, read_file(err_path)};
}

}  // namespace

TEST_CASE("the daemon works in the config file's directory, or in / as repmgrd", "[daemon]") {
    CHECK(daemon_working_directory("/etc/repmgr/16/repmgr.conf") == "/etc/repmgr/16");
    CHECK(daemon_working_directory("/repmgr.conf") == "/");
    CHECK(daemon_working_directory("repmgr.conf") == "/");
}

TEST_CASE("the started process reads ready, a failure with its code, or silence", "[daemon]") {
    const auto ready = report_of("R", false);  // ready counts even while the daemon runs on
    CHECK(ready.code == 0);
    CHECK(ready.err.empty());

    const auto failed = report_of(std::string("F\x06") + "could not connect to the database", true);
    CHECK(failed.code == 6);
    CHECK(failed.err == "could not connect to the database\n");

    const auto silent = report_of("", true);
    CHECK(silent.code == 1);
    CHECK_THAT(silent.err, Catch::Contains("without saying why"));
}

TEST_CASE("a daemon that says ready leaves the started process exiting 0, after its PID file",
          "[daemon]") {
    pgwarden::test::TempDir dir("daemonize");
    const std::string info_path = dir.path("info");
    const std::string pid_path = dir.path("repmgrd.pid");
    const std::string work = dir.path();

    const int code = run_started_process(dir.path("stderr"), work, [&](Daemonizer& daemonizer) {
        // Written before ready(): when the started process has exited, all of this is there.
        struct stat in_stat {};
        struct stat null_stat {};
        ::fstat(STDIN_FILENO, &in_stat);
        ::stat("/dev/null", &null_stat);
        std::ofstream(info_path) << ::getpid() << ' ' << ::getsid(0) << ' '
                                 << (in_stat.st_rdev == null_stat.st_rdev) << ' '
                                 << std::filesystem::current_path().string() << '\n';
        pgwarden::daemon::PidFile pid_file(pid_path);
        daemonizer.ready();
        // The daemon "runs" a moment past ready(); the PID file stays ours meanwhile.
        ::usleep(200 * 1000);
        ::_exit(0);
    });
    CHECK(code == 0);

    std::istringstream info(read_file(info_path));
    pid_t daemon_pid = 0;
    pid_t session = 0;
    int stdin_is_null = 0;
    std::string cwd;
    info >> daemon_pid >> session >> stdin_is_null >> cwd;
    CHECK(daemon_pid > 0);
    CHECK(session != ::getsid(0));  // a new session
    CHECK(session != daemon_pid);   // but not its leader: it can never get a terminal
    CHECK(stdin_is_null == 1);
    CHECK(std::filesystem::equivalent(cwd, work));
    CHECK(read_file(pid_path) == std::to_string(daemon_pid) + "\n");
    CHECK(read_file(dir.path("stderr")).empty());
}

TEST_CASE("a daemon that fails start-up makes the started process exit with its message",
          "[daemon]") {
    pgwarden::test::TempDir dir("daemonize");
    const int code = run_started_process(dir.path("stderr"), dir.path(), [](Daemonizer& d) {
        d.fail("pgwardend: could not connect to \"host=db1\"", 6);
        ::_exit(6);
    });
    CHECK(code == 6);
    CHECK(read_file(dir.path("stderr")) == "pgwardend: could not connect to \"host=db1\"\n");
}

TEST_CASE("a daemon that dies before ready makes the started process exit 1", "[daemon]") {
    pgwarden::test::TempDir dir("daemonize");
    const int code = run_started_process(dir.path("stderr"), dir.path(), [](Daemonizer&) {
        ::_exit(0);  // no ready(), no fail(): the socket closes with the process
    });
    CHECK(code == 1);
    CHECK_THAT(read_file(dir.path("stderr")), Catch::Contains("without saying why"));
}
