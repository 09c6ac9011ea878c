// One warning per episode of the same trouble (refused connections, failed TLS handshakes,
// failed accepts): the first occurrence is logged, repeats are only counted, and when things go
// right again the episode ends, so the next trouble warns anew. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <variant>

namespace pgwarden::probe {

// `Reason` tells episodes apart: trouble for another reason than the ongoing episode's starts a
// new one. std::monostate: one kind of trouble.
template <class Reason = std::monostate>
class WarningEpisode {
  public:
    // It went wrong, for `reason`: true when this starts an episode, and so is worth a warning.
    bool begins(const Reason& reason = Reason{}) {
        if (current_ == reason)
            return false;
        current_ = reason;
        return true;
    }

    // It went right: the next trouble warns again.
    void end() { current_.reset(); }

    bool ongoing() const { return current_.has_value(); }

  private:
    std::optional<Reason> current_;
};

// An episode per peer, for trouble a few clients cause while others are fine (a client without a
// certificate among HAProxy's checks): one peer's success ends only its own episode, so a bad
// client between good ones warns once, not at every failure. At most `max_peers` episodes are
// followed; trouble from further peers is only counted until one ends.
template <class Peer>
class PeerEpisodes {
  public:
    explicit PeerEpisodes(std::size_t max_peers) : max_peers_(max_peers) {}

    // `peer` went wrong: true when this starts its episode, and so is worth a warning.
    bool begins(const Peer& peer) {
        if (failing_.size() >= max_peers_ && failing_.count(peer) == 0)
            return false;
        return failing_.insert(peer).second;
    }

    // `peer` went right: its next trouble warns again.
    void end(const Peer& peer) { failing_.erase(peer); }

    bool ongoing(const Peer& peer) const { return failing_.count(peer) != 0; }

  private:
    std::size_t max_peers_;
    std::set<Peer> failing_;
};

}  // namespace pgwarden::probe
