// One warning per episode of trouble (warning_episode.hpp), as the probe's refused connections,
// failed TLS handshakes and failed accepts use it.
#include "connection_policy.hpp"
#include "warning_episode.hpp"

#include <catch2/catch.hpp>

using pgwarden::probe::Refusal;
using pgwarden::probe::WarningEpisode;

TEST_CASE("the first trouble of an episode warns, repeats do not, and after it ends the next does",
          "[probe][episode]") {
    WarningEpisode<> failing;
    CHECK_FALSE(failing.ongoing());
    CHECK(failing.begins());
    CHECK(failing.ongoing());
    CHECK_FALSE(failing.begins());
    CHECK_FALSE(failing.begins());
    failing.end();
    CHECK_FALSE(failing.ongoing());
    CHECK(failing.begins());
    // Ending twice, or with nothing going on, changes nothing.
    failing.end();
    failing.end();
    CHECK(failing.begins());
}

TEST_CASE("trouble for another reason starts an episode of its own", "[probe][episode]") {
    WarningEpisode<Refusal> refusing;
    CHECK(refusing.begins(Refusal::source_full));
    CHECK_FALSE(refusing.begins(Refusal::source_full));
    CHECK(refusing.begins(Refusal::server_full));
    CHECK_FALSE(refusing.begins(Refusal::server_full));
    CHECK(refusing.begins(Refusal::source_full));
    refusing.end();
    CHECK(refusing.begins(Refusal::source_full));
}

TEST_CASE("a peer's trouble warns once while other peers succeed, and again after its own success",
          "[probe][episode]") {
    pgwarden::probe::PeerEpisodes<int> handshakes(2);
    CHECK(handshakes.begins(7));  // a client without a certificate
    handshakes.end(1);            // HAProxy's checks succeed in between
    CHECK_FALSE(handshakes.begins(7));
    handshakes.end(1);
    CHECK_FALSE(handshakes.begins(7));
    CHECK(handshakes.ongoing(7));
    CHECK(handshakes.begins(8));  // another bad client warns on its own
    // Past max_peers, a third only counts; once one episode ends there is room again.
    CHECK_FALSE(handshakes.begins(9));
    CHECK_FALSE(handshakes.ongoing(9));
    handshakes.end(7);
    CHECK(handshakes.begins(9));
    CHECK_FALSE(handshakes.begins(7));  // full again: 8 and 9
    handshakes.end(8);
    CHECK(handshakes.begins(7));
}
