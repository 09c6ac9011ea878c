// A private sshd on 127.0.0.1 for the tests of what repmgr and pgwarden do over SSH (siblings
// following, a switchover's remote calls): its own config, host key and an authorised key for the
// postgres OS user, all in a temporary directory of its own, on a free port.
#pragma once

#include "child_process.hpp"
#include "run_command.hpp"

#include <chrono>
#include <string>

namespace pgwarden::test {

// Starts Debian's /usr/sbin/sshd in the foreground (-D -e) and waits until it accepts; the
// destructor stops it (SIGTERM, then SIGKILL) and removes its directory, also on failure.
// Logging in works as the user the CLI under test runs as: postgres when the tests run as root
// (as in CI), else the current user (an unprivileged sshd can only log in as itself).
// Throws std::runtime_error, with sshd's log, when it does not come up within its bound.
class LoopbackSshd {
  public:
    LoopbackSshd();
    ~LoopbackSshd();
    LoopbackSshd(const LoopbackSshd&) = delete;
    LoopbackSshd& operator=(const LoopbackSshd&) = delete;

    int port() const { return port_; }
    const std::string& dir() const { return dir_; }
    // The host the nodes' conninfo names, and so the one repmgr and pgwarden ssh to.
    static constexpr const char* kHost = "127.0.0.1";

    // repmgr.conf's ssh_options: `ssh -o Batchmode=yes <this> 127.0.0.1 CMD` (as repmgr and
    // pgwarden build it) logs in with the authorised key, checking the host key strictly
    // against a known_hosts file of its own, and reads no ssh_config.
    std::string ssh_options() const { return ssh_options_with(authorized_key_); }
    // The same options with another identity file, e.g. unauthorized_key().
    std::string ssh_options_with(const std::string& identity_file) const;
    // The known_hosts file ssh_options() names: this server's host key only.
    const std::string& known_hosts() const { return known_hosts_; }
    // A key pair made like the authorised one but not in authorized_keys: for refusals.
    const std::string& unauthorized_key() const { return unauthorized_key_; }

    // `ssh -o Batchmode=yes <options> 127.0.0.1 <remote_command>` through /bin/sh, as the
    // postgres OS user, bounded: the command line repmgr runs, for tests to run it directly.
    CommandResult ssh(const std::string& remote_command, const std::string& options,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
    CommandResult ssh(const std::string& remote_command) const {
        return ssh(remote_command, ssh_options());
    }

    std::string log_tail() const;

  private:
    void make_keys();
    bool start_on(int port);  // false when the port was taken meanwhile
    void teardown() noexcept;

    std::string dir_;
    std::string authorized_key_;
    std::string unauthorized_key_;
    std::string known_hosts_;
    int port_ = 0;
    ChildProcess sshd_;
};

}  // namespace pgwarden::test
