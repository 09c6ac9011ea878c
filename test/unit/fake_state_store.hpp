// A DaemonStateStore kept in memory for the daemon's steps: what each node's daemon has in the
// store, and every write the step asked for, in order, one line each ("publish_pid 2 4242 x").
// It behaves like the table when kept_on_primary (a row can lack its PID; with the primary out
// of reach a write changes nothing) and like the extension otherwise. Its clock only moves when a
// test moves it, so "seconds since the upstream was seen" steps through a failover at once.
#pragma once

#include "cluster/daemon_state_store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::test {

struct FakeDaemon {
    std::optional<int> pid;
    bool paused = false;
    std::optional<bool> running;
    std::optional<int> seconds_since_upstream_seen;  // until the daemon notes a new contact
    std::optional<std::chrono::seconds> upstream_seen_at;
};

class FakeStateStore final : public cluster::DaemonStateStore {
  public:
    explicit FakeStateStore(bool kept_on_primary) : kept_on_primary_(kept_on_primary) {}

    std::map<int, FakeDaemon> daemons;  // node_id -> its row (the table) or shared memory
    std::vector<std::string> writes;    // every write asked for, reaching the store or not
    bool primary_reachable = true;      // the table's writes need the primary
    bool failing_reads = false;         // every read throws, as on a dropped connection
    bool failing_writes = false;
    std::optional<int> announcement;
    std::chrono::seconds clock{0};  // the fake clock: "now", moved by the test

    bool is_paused(int node_id) override { return read(node_id) && read(node_id)->paused; }
    std::optional<bool> daemon_running(int node_id) override {
        const auto* daemon = read(node_id);
        return daemon ? daemon->running : std::nullopt;
    }
    std::optional<int> seconds_since_upstream_seen(int node_id) override {
        const auto* daemon = read(node_id);
        if (!daemon)
            return std::nullopt;
        if (daemon->upstream_seen_at)
            return static_cast<int>((clock - *daemon->upstream_seen_at).count());
        return daemon->seconds_since_upstream_seen;
    }
    bool needs_pid(int node_id) override {
        const auto* daemon = read(node_id);
        return kept_on_primary_ && (!daemon || !daemon->pid);
    }
    std::optional<int> announced_new_primary() override {
        check_reads();
        return announcement;
    }
    bool kept_on_primary() const override { return kept_on_primary_; }
    bool writable() override { return !kept_on_primary_ || primary_reachable; }

    void publish_local_node_id(int node_id) override {
        write(fmt::format("publish_local_node_id {}", node_id));
    }
    void publish_pid(int node_id, std::optional<int> pid, const std::string& pid_file) override {
        if (write(fmt::format("publish_pid {} {} {}", node_id, pid ? std::to_string(*pid) : "none",
                              pid_file)))
            daemons[node_id].pid = pid;
    }
    void publish_upstream_node_id(int upstream_node_id) override {
        write(fmt::format("publish_upstream_node_id {}", upstream_node_id));
    }
    void note_upstream_seen(int node_id, int upstream_node_id) override {
        if (write(fmt::format("note_upstream_seen {} {}", node_id, upstream_node_id)))
            daemons[node_id].upstream_seen_at = clock;
    }
    void heartbeat(int node_id) override { write(fmt::format("heartbeat {}", node_id)); }
    void set_paused(int node_id, bool paused) override {
        if (write(fmt::format("set_paused {} {}", node_id, paused)))
            daemons[node_id].paused = paused;
    }
    bool announce_new_primary(int primary_node_id) override {
        if (kept_on_primary_)
            return false;
        write(fmt::format("announce_new_primary {}", primary_node_id));
        return true;
    }
    void reset_announcement() override {
        if (write("reset_announcement"))
            announcement.reset();
    }

  private:
    void check_reads() const {
        if (failing_reads)
            throw pg::PgError("server closed the connection unexpectedly");
    }
    const FakeDaemon* read(int node_id) const {
        check_reads();
        const auto found = daemons.find(node_id);
        return found == daemons.end() ? nullptr : &found->second;
    }
    // Whether the write changes the store: not for the table without its primary.
    bool write(std::string line) {
        if (failing_writes)
            throw pg::PgError("cannot execute UPDATE in a read-only transaction");
        writes.push_back(std::move(line));
        return writable();
    }

    bool kept_on_primary_;
};

}  // namespace pgwarden::test
