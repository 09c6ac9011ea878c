// One warning per episode of the same trouble (refused connections, failed TLS handshakes,
// failed accepts): the first occurrence is logged, repeats are only counted, and when things go
// right again the episode ends, so the next trouble warns anew. Pure.
#pragma once

#include <optional>
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

}  // namespace pgwarden::probe
