// A TCP path to a server that a test can make go silent, as a dropped link or a frozen VM does:
// a relay listening on 127.0.0.1 inside a private network namespace, forwarding to a server of
// the root namespace; silence() makes nftables inside the namespace drop every packet to and
// from the relay, so neither side hears anything (no reset, no close).
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace pgwarden::test {

class SilentLink {
  public:
    // A namespace of its own ("pgwarden-silent-<pid>-<n>") with a relay to 127.0.0.1:target_port
    // of this process's namespace. Throws when `ip netns` or nft is missing or fails.
    explicit SilentLink(int target_port);
    // Stops the relay, closes its sockets and deletes the namespace; also after a failure.
    ~SilentLink();
    SilentLink(const SilentLink&) = delete;
    SilentLink& operator=(const SilentLink&) = delete;

    // "host=127.0.0.1 port=<relay port>": reachable only from inside the namespace.
    std::string conninfo_prefix() const;
    const std::string& name() const { return name_; }

    // From now on every packet to and from the relay is dropped; restore() ends that.
    void silence();
    void restore();

    // The calling thread's network namespace becomes the link's until the scope ends (threads
    // it starts meanwhile are born in it): where the client of the link must connect from.
    class Inside {
      public:
        explicit Inside(const SilentLink& link);
        ~Inside();
        Inside(const Inside&) = delete;
        Inside& operator=(const Inside&) = delete;

      private:
        int original_ = -1;
    };

  private:
    void relay_loop();
    void nft(const std::string& script) const;

    std::string name_;
    int target_port_ = 0;
    int port_ = 0;
    int listener_ = -1;
    int wake_[2] = {-1, -1};
    std::atomic<bool> stopping_{false};
    std::thread relay_;
};

}  // namespace pgwarden::test
