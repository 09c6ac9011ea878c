// How long a connection may hear nothing from its peer before it counts as dead: libpq's TCP
// keepalive and tcp_user_timeout settings derived from the conninfo's connect_timeout (pure).
#pragma once

#include <string>
#include <string_view>

namespace pgwarden::text {

// The silence budget's bounds, in seconds (see silence_budget_secs).
inline constexpr int kMinSilenceSecs = 5;
inline constexpr int kMaxSilenceSecs = 30;

// libpq's keepalives_idle, keepalives_interval, keepalives_count and tcp_user_timeout.
struct KeepaliveSettings {
    int idle_secs = 0;
    int interval_secs = 0;
    int count = 0;
    int user_timeout_ms = 0;

    bool operator==(const KeepaliveSettings&) const = default;
};

// connect_timeout as libpq applies it to this conninfo: its value (libpq turns 1 into 2),
// `fallback` when it sets none or one libpq would reject; 0 means no limit, as in libpq.
int connect_timeout_secs(std::string_view conninfo, int fallback);

// How long a peer may stay silent before its connection counts as dead: connect_timeout kept
// within [kMinSilenceSecs, kMaxSilenceSecs]. A user who raised connect_timeout has a slow or
// lossy network, whose retransmissions need more time; 0 (no connect limit) gets the floor.
int silence_budget_secs(int connect_timeout_secs);

// The longest one conversation with a node may take (connect, then a query) when each step
// ends at its own limit: connect_timeout, then either a live server's slowest answer
// (statement_timeout) or a silent one's silence budget. A limit of 0 (none) is counted as a
// stand-in (the silence cap for the connect, repmgr's default 60 s for the statement), so a
// caller bounding a wait by it always has a number. Seconds.
int conversation_bound_secs(int connect_timeout_secs, int statement_timeout_secs);

// Settings that drop a connection whose peer has been silent for `silence_secs` (>= 5).
KeepaliveSettings keepalive_settings(int silence_secs);

// Adds keepalives=1 and the four settings, each only where the conninfo sets none of its own.
std::string with_keepalives(std::string conninfo, const KeepaliveSettings& settings);

}  // namespace pgwarden::text
