// The daemon's PID file: created whole or not at all, refused while another live process owns
// it, replaced with a warning when stale, removed at exit if it is still ours.
#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace pgwarden::daemon {

// Thrown at start-up when the PID file cannot be taken; what() names the file, the PID and what
// to do. The caller exits with model::kErrBadPidfile.
class PidFileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// What a PID file holds: a decimal PID, optionally followed by a newline (repmgrd writes none).
// Anything else, an empty file included, is nothing.
std::optional<pid_t> parse_pid_text(const std::string& text);

// Whether `pid` names a running process. EPERM (another user's process) counts as running.
bool process_is_running(pid_t pid);

// Whether `pid` names a process this user may signal (stop): only such a daemon holds our PID
// file. Another user's process (a file someone left in /tmp, a PID reused) does not; where the
// file cannot be removed, start-up still stops, saying whose it is.
bool process_is_ours(pid_t pid);

// Whether the process /proc/<pid> (under `proc_root`) describes is a pgwardend or a repmgrd: its
// command name or the last part of its argv[0] starts with either name. Nothing when /proc tells
// nothing (no such process, no /proc): the caller falls back to process_is_running.
std::optional<bool> process_is_daemon(pid_t pid, const std::string& proc_root = "/proc");

class PidFile {
  public:
    // Writes "<getpid()>\n" to `path`, created with link(2) from a private temporary file so the
    // file appears with its content or not at all (O_EXCL semantics: no reader ever sees an
    // empty file). If `path` exists: the PID of a running pgwardend or repmgrd in it ->
    // PidFileError; our own PID, no PID, a dead one or one now reused by some other program ->
    // stale, replaced, with a log warning. Call after daemonizing, so the file
    // holds the daemon's PID. Two daemons started at the same instant over the same stale file
    // can both win (the file names the later); a live file is never replaced.
    explicit PidFile(std::string path);
    ~PidFile();  // removes the file if it still holds our PID; never throws

    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;

    const std::string& path() const { return path_; }
    pid_t pid() const { return pid_; }
    // The dead PID found in a stale file that was replaced (none: the file was new or empty).
    std::optional<pid_t> replaced_stale_pid() const { return replaced_stale_pid_; }

  private:
    std::string path_;
    pid_t pid_;
    std::optional<pid_t> replaced_stale_pid_;
};

}  // namespace pgwarden::daemon
