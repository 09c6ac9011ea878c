// Going to the background as `repmgrd -d` does, for systemd Type=forking: the process systemd
// started exits only once the daemon says it is ready (or exits non-zero with its error).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pgwarden::daemon {

// Use:
//   Daemonizer daemonizer;
//   daemonizer.detach(daemon_working_directory(config_file));  // returns only in the daemon
//   PidFile pid_file(path);               // holds the daemon's PID
//   ... connect, check ...; on error: daemonizer.fail("pgwardend: ...", code), then exit
//   daemonizer.ready();                   // the original process exits 0 now
//
// detach() forks; the original process waits on a socket and never returns from detach(): it
// _exit()s 0 on ready(), or prints fail()'s message on its stderr and _exit()s with its code,
// or, if the daemon goes away without a word, says so and _exit()s 1. The first child calls
// setsid() and forks again, so the daemon is not a session leader and can never acquire a
// controlling terminal; it exits at once and is reaped by the original. The daemon chdir()s to
// `working_directory` (repmgrd: the config file's directory, "/" if it has none), and its stdin
// and stdout are /dev/null, as repmgrd's; stderr is left where it is, since logging may go there
// (log_file unset: the journal under systemd). fail()'s message is printed as given, so start it
// with the program's name.
//
// Call detach() before starting threads or an io_context (or call notify_fork() on it): only the
// calling thread survives fork(). libpq connections opened before stay valid in the daemon, and
// the original process _exit()s without running destructors, so it never closes them for the
// daemon. Errors before the first fork (socketpair, fork) are thrown as std::system_error.
class Daemonizer {
  public:
    Daemonizer() = default;
    ~Daemonizer();  // closes the socket: a daemon that never said ready() is reported as failed
    Daemonizer(const Daemonizer&) = delete;
    Daemonizer& operator=(const Daemonizer&) = delete;

    void detach(const std::filesystem::path& working_directory);

    // Both are no-ops unless detached and not yet reported; each reports once.
    void ready();
    void fail(std::string_view message, int exit_code);

    bool detached() const { return report_fd_ >= 0 || reported_; }

  private:
    int report_fd_ = -1;  // the write end of the pipe, in the daemon
    bool reported_ = false;
};

// The daemon's working directory for `config_file`, as repmgrd picks it: the file's directory,
// or "/" when the path has no directory part or it is the root.
std::filesystem::path daemon_working_directory(const std::string& config_file);

// The original process's side, exposed for tests: reads the daemon's report from `read_fd`
// until ready or end of file, writes a failure's message to `err_fd`, and returns the exit code.
int wait_for_daemon_report(int read_fd, int err_fd);

}  // namespace pgwarden::daemon
