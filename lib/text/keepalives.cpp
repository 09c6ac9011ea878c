// The arithmetic behind a silent peer's bound. Without these settings, a peer that stops
// answering (a dropped link, a frozen VM) blocks a query for the kernel's retransmission limit
// (tcp_retries2: about 15 minutes) and an idle connection forever; connect_timeout bounds only
// the connect, and statement_timeout is the server's, which cannot fire when it is gone.
//
// With a silence budget of S seconds:
// - a query sent into the silence is unacknowledged data: tcp_user_timeout = S drops the
//   connection S seconds after the send (Linux clamps its retransmission timer to it);
// - on a connection with nothing unacknowledged (an idle watch, a held lock session, a query
//   the server has received but not answered), the first keepalive probe goes after
//   keepalives_idle, then one every keepalives_interval: idle + count * interval = S, and with
//   tcp_user_timeout set Linux drops the connection once S seconds passed without hearing from
//   the peer and a probe is out, so both limits say S.
// A live but slow server is not cut: its kernel acknowledges the query and answers the probes,
// and statement_timeout (async_query_timeout) bounds how long it may take. That is why S does
// not depend on async_query_timeout: the two bound different things.
//
// S is at least 5 s: a live peer on a lossy link must survive a few lost segments, and Linux's
// retransmissions at its 200 ms minimum timeout come 0.2, 0.6, 1.4 and 3.0 s after the send, so
// 5 s allows four of them. Three probes, so one lost probe or answer does not drop a live
// connection. S is at most 30 s: half of repmgr's default reconnect window (6 attempts 10 s
// apart), so even on a network slow enough to need a long connect_timeout a silent upstream is
// noticed well within one failover.
#include "text/keepalives.hpp"

#include "text/conninfo.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>
#include <string>

namespace pgwarden::text {
namespace {

constexpr int kProbes = 3;

// libpq's parse_int_param: strtol's syntax, surrounding spaces allowed, the whole value an int.
std::optional<int> libpq_int(const std::string& value) {
    std::size_t used = 0;
    long number = 0;
    try {
        number = std::stol(value, &used, 10);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    while (used < value.size() && std::isspace(static_cast<unsigned char>(value[used])) != 0)
        ++used;
    if (used != value.size() || number != static_cast<int>(number))
        return std::nullopt;
    return static_cast<int>(number);
}

}  // namespace

int connect_timeout_secs(std::string_view conninfo, int fallback) {
    const auto parsed = parse_conninfo(conninfo);
    const auto value = parsed.error ? std::nullopt : parsed.value_of("connect_timeout");
    const auto seconds = value ? libpq_int(*value) : std::nullopt;
    if (!seconds)
        return fallback;
    if (*seconds <= 0)
        return 0;
    return std::max(*seconds, 2);
}

int silence_budget_secs(int connect_timeout_secs) {
    return std::clamp(connect_timeout_secs, kMinSilenceSecs, kMaxSilenceSecs);
}

int conversation_bound_secs(int connect_timeout_secs, int statement_timeout_secs) {
    constexpr int kStatementStandIn = 60;
    const int connect = connect_timeout_secs > 0 ? connect_timeout_secs : kMaxSilenceSecs;
    const int statement = statement_timeout_secs > 0 ? statement_timeout_secs : kStatementStandIn;
    return connect + std::max(statement, silence_budget_secs(connect_timeout_secs));
}

KeepaliveSettings keepalive_settings(int silence_secs) {
    silence_secs = std::max(silence_secs, kMinSilenceSecs);
    KeepaliveSettings settings;
    // A fifth of S between probes leaves at least two fifths of S as the idle time before them.
    settings.interval_secs = std::max(1, silence_secs / 5);
    settings.count = kProbes;
    settings.idle_secs = silence_secs - kProbes * settings.interval_secs;
    settings.user_timeout_ms = silence_secs * 1000;
    return settings;
}

std::string with_keepalives(std::string conninfo, const KeepaliveSettings& settings) {
    conninfo = with_default(std::move(conninfo), "keepalives", "1");
    conninfo =
        with_default(std::move(conninfo), "keepalives_idle", std::to_string(settings.idle_secs));
    conninfo = with_default(std::move(conninfo), "keepalives_interval",
                            std::to_string(settings.interval_secs));
    conninfo =
        with_default(std::move(conninfo), "keepalives_count", std::to_string(settings.count));
    return with_default(std::move(conninfo), "tcp_user_timeout",
                        std::to_string(settings.user_timeout_ms));
}

}  // namespace pgwarden::text
