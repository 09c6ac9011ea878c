// pgwarden-probe --listen '*' answers IPv4 clients on a host whose IPv6 sockets are v6-only by
// default (net.ipv6.bindv6only=1): in a network namespace of its own, so the host keeps its
// setting.
#include "binaries.hpp"
#include "process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

TEST_CASE("the probe on '*' answers an IPv4 client where bindv6only=1", "[probe]") {
    // The probe runs in the background of a shell inside the namespace; curl asks over IPv4 once
    // it listens, and the namespace goes away with the shell.
    const std::string script =
        "ip link set lo up && echo 1 > /proc/sys/net/ipv6/bindv6only || exit 90\n"
        "\"$0\" --listen '*' --port 5445 --conninfo 'host=127.0.0.1 port=1 connect_timeout=1' &\n"
        "probe=$!\n"
        "for i in $(seq 50); do\n"
        "  code=$(curl -4 -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5445/liveness)\n"
        "  [ \"$code\" = 200 ] && break\n"
        "  sleep 0.1\n"
        "done\n"
        "kill $probe; wait $probe\n"
        "echo \"v4:$code\"\n"
        "cat /proc/sys/net/ipv6/bindv6only\n";
    const auto result = pgwarden::test::run_command(
        {"unshare", "-n", "sh", "-c", script, pgwarden::test::probe_bin()}, 30s);
    INFO(result.describe());
    INFO(result.out);
    REQUIRE(result.exit_code != 90);  // the namespace could not be set up
    CHECK(result.out.find("v4:200\n1\n") != std::string::npos);
}
