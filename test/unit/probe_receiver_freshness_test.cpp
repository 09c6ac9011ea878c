// A standby's lag counts only while its WAL receiver hears from the primary.
#include "receiver_freshness.hpp"

#include <catch2/catch.hpp>

#include <vector>

namespace probe = pgwarden::probe;
using std::nullopt;
using std::optional;
using std::chrono::milliseconds;

namespace {

probe::Observation streaming_standby() {
    probe::Observation s;
    s.reachable = true;
    s.in_recovery = true;
    s.streaming = true;
    s.replay_lag_bytes = 0;
    s.receive_lag_bytes = 0;
    return s;
}

}  // namespace

TEST_CASE("the silence bound is the option, else 3/4 of wal_receiver_timeout, else none",
          "[probe][freshness]") {
    CHECK(probe::silence_bound(milliseconds(5000), milliseconds(60000)) == milliseconds(5000));
    CHECK(probe::silence_bound(nullopt, milliseconds(60000)) == milliseconds(45000));
    CHECK(probe::silence_bound(nullopt, milliseconds(0)) == nullopt);  // timeout disabled
    CHECK(probe::silence_bound(nullopt, nullopt) == nullopt);
}

TEST_CASE("a standby that has not heard from its primary within the bound has an unknown lag",
          "[probe][freshness]") {
    struct Row {
        const char* name;
        optional<milliseconds> since_last_message;
        optional<milliseconds> receiver_timeout;
        optional<milliseconds> configured;
        bool lag_kept;
    };
    const std::vector<Row> rows{
        {"fresh, automatic bound", milliseconds(1000), milliseconds(60000), nullopt, true},
        {"idle primary pinged at half the timeout", milliseconds(30500), milliseconds(60000),
         nullopt, true},
        {"silent past 3/4 of the timeout", milliseconds(45001), milliseconds(60000), nullopt,
         false},
        {"silent past the configured bound", milliseconds(3001), milliseconds(60000),
         milliseconds(3000), false},
        {"within the configured bound", milliseconds(3000), milliseconds(60000), milliseconds(3000),
         true},
        {"age unknown (no pg_read_all_stats) under a bound", nullopt, milliseconds(60000), nullopt,
         false},
        {"no bound at all: timeout disabled, no option", milliseconds(999999), milliseconds(0),
         nullopt, true},
    };
    for (const auto& row : rows) {
        INFO(row.name);
        auto state = streaming_standby();
        const auto why = probe::distrust_stale_lag(
            state, {row.since_last_message, row.receiver_timeout}, row.configured);
        CHECK(state.replay_lag_bytes.has_value() == row.lag_kept);
        CHECK(state.receive_lag_bytes.has_value() == row.lag_kept);
        CHECK(why.empty() == row.lag_kept);
        CHECK(state.streaming);  // still streaming as far as PostgreSQL says
    }
}

TEST_CASE("the silence columns parse as milliseconds, a negative age as zero",
          "[probe][freshness]") {
    const auto silence = probe::parse_receiver_silence("1500", "60000");
    CHECK(silence.since_last_message == milliseconds(1500));
    CHECK(silence.receiver_timeout == milliseconds(60000));
    CHECK(probe::parse_receiver_silence("-20", nullopt).since_last_message == milliseconds(0));
    CHECK(probe::parse_receiver_silence(nullopt, "x").receiver_timeout == nullopt);
}
