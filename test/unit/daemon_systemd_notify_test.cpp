#include "systemd_notify.hpp"
#include "temp_dir.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

using pgwarden::daemon::SystemdNotifier;

namespace {

// A datagram socket bound where systemd's would be: a path, or "@name" in the abstract namespace.
class FakeSystemd {
  public:
    explicit FakeSystemd(const std::string& address) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, address.data(), address.size());
        std::size_t length = offsetof(sockaddr_un, sun_path) + address.size();
        if (address.front() == '@')
            addr.sun_path[0] = '\0';
        else
            length += 1;
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), static_cast<socklen_t>(length)) ==
                0);
    }
    ~FakeSystemd() { ::close(fd_); }
    FakeSystemd(const FakeSystemd&) = delete;
    FakeSystemd& operator=(const FakeSystemd&) = delete;

    // The next datagram; the notifier sends synchronously, so one is already queued.
    std::string receive() const {
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        return n < 0 ? std::string("<nothing>") : std::string(buffer, static_cast<size_t>(n));
    }

  private:
    int fd_ = -1;
};

}  // namespace

TEST_CASE("state changes reach a notify socket given as a path", "[daemon]") {
    pgwarden::test::TempDir dir("notify");
    const std::string path = dir.path("notify");
    FakeSystemd systemd(path);
    const SystemdNotifier notifier(path);
    REQUIRE(notifier.enabled());

    CHECK_FALSE(notifier.ready());
    CHECK(systemd.receive() == "READY=1");
    CHECK_FALSE(notifier.stopping());
    CHECK(systemd.receive() == "STOPPING=1");
    CHECK_FALSE(notifier.status("monitoring node \"node2\"\n(ID: 2)"));
    CHECK(systemd.receive() == "STATUS=monitoring node \"node2\" (ID: 2)");
    CHECK_FALSE(notifier.reloading());
    CHECK_THAT(systemd.receive(), Catch::Matches("RELOADING=1\nMONOTONIC_USEC=[0-9]+"));
}

TEST_CASE("state changes reach an abstract notify socket", "[daemon]") {
    const std::string name =
        "@pgwarden-test-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand());
    FakeSystemd systemd(name);
    const SystemdNotifier notifier(name);
    CHECK_FALSE(notifier.ready());
    CHECK(systemd.receive() == "READY=1");
}

TEST_CASE("without NOTIFY_SOCKET notifications do nothing", "[daemon]") {
    const SystemdNotifier notifier("");
    CHECK_FALSE(notifier.enabled());
    CHECK_FALSE(notifier.ready());
    CHECK_FALSE(notifier.status("anything"));

    ::unsetenv("NOTIFY_SOCKET");
    CHECK_FALSE(SystemdNotifier::from_environment().enabled());
}

TEST_CASE("NOTIFY_SOCKET from the environment is used", "[daemon]") {
    pgwarden::test::TempDir dir("notify");
    const std::string path = dir.path("notify");
    FakeSystemd systemd(path);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    const auto notifier = SystemdNotifier::from_environment();
    ::unsetenv("NOTIFY_SOCKET");
    CHECK(notifier.socket() == path);
    CHECK_FALSE(notifier.ready());
    CHECK(systemd.receive() == "READY=1");
}

TEST_CASE("a notify socket address that cannot be used is refused at start-up", "[daemon]") {
    CHECK_THROWS_WITH(SystemdNotifier("run/notify"), Catch::Contains("neither an absolute path"));
    CHECK_THROWS_WITH(SystemdNotifier("@"), Catch::Contains("not a usable Unix socket address"));
    CHECK_THROWS_WITH(SystemdNotifier("/" + std::string(200, 'x')),
                      Catch::Contains("not a usable Unix socket address"));
}

TEST_CASE("a notification nobody receives is reported, not thrown", "[daemon]") {
    pgwarden::test::TempDir dir("notify");
    const SystemdNotifier notifier(dir.path("nobody-listens"));
    const auto error = notifier.ready();
    REQUIRE(error);
    CHECK_THAT(*error, Catch::Contains("READY=1") && Catch::Contains("nobody-listens"));
}
