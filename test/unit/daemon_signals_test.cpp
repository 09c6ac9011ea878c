#include "signals.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <vector>

using pgwarden::daemon::action_for_signal;
using pgwarden::daemon::SignalAction;
using pgwarden::daemon::SignalWatcher;

TEST_CASE("SIGHUP asks for a reload and SIGINT or SIGTERM for a stop", "[daemon]") {
    CHECK(action_for_signal(SIGHUP) == SignalAction::reload);
    CHECK(action_for_signal(SIGINT) == SignalAction::stop);
    CHECK(action_for_signal(SIGTERM) == SignalAction::stop);
    CHECK_FALSE(action_for_signal(SIGUSR1));
}

TEST_CASE("signals raised reach the handler on the loop, one after another", "[daemon]") {
    boost::asio::io_context io;
    std::vector<std::pair<SignalAction, int>> seen;
    SignalWatcher watcher(io, [&](SignalAction action, int signal_number) {
        seen.emplace_back(action, signal_number);
        if (seen.size() == 1)
            throw std::runtime_error("a failing reload");  // logged; watching goes on
    });
    // Asio may wake for its own bookkeeping, so run until the handler has been called.
    const auto deliver = [&](int signal_number) {
        const auto before = seen.size();
        std::raise(signal_number);
        for (int i = 0; i < 50 && seen.size() == before; ++i)
            io.run_one_for(std::chrono::milliseconds(100));
    };
    deliver(SIGHUP);
    deliver(SIGTERM);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == std::pair(SignalAction::reload, SIGHUP));
    CHECK(seen[1] == std::pair(SignalAction::stop, SIGTERM));
    watcher.cancel();
    io.run();
}

TEST_CASE("a SIGTERM during start-up waits for the hold to end, then stops the process",
          "[daemon]") {
    std::fflush(nullptr);
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(pipe_fds[0]);
        ::signal(SIGTERM, SIG_DFL);  // Catch's own handler must not report the child's end
        {
            pgwarden::daemon::StartupSignalHold hold;
            ::kill(::getpid(), SIGTERM);
            // Still alive: what start-up cleans up on its way out (the PID file) happens here.
            const char alive = 'a';
            (void)!::write(pipe_fds[1], &alive, 1);
        }
        ::_exit(0);  // not reached: the held SIGTERM arrives as the hold ends
    }
    ::close(pipe_fds[1]);
    char seen = 0;
    const auto n = ::read(pipe_fds[0], &seen, 1);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(n == 1);
    CHECK(seen == 'a');
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
}
