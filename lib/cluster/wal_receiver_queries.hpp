// The queries behind standby_disconnect_on_failover (daemon/wal_receiver.cpp): the WAL receiver's
// PID, and wal_retrieve_retry_interval read and changed through ALTER SYSTEM. All throw
// pg::PgError.
#pragma once

#include "pg/connection.hpp"

#include <optional>

namespace pgwarden::cluster {

struct RetryIntervalSetting {
    long long ms = 0;
    bool reset_restores = false;  // default or postgresql.conf: not ALTER SYSTEM's
};
// wal_retrieve_retry_interval as this session sees it; nothing when unreadable.
std::optional<RetryIntervalSetting> read_retry_interval(pg::Connection& conn);
// ALTER SYSTEM SET it to `ms` (nothing: RESET), then reload the configuration.
void write_retry_interval(pg::Connection& conn, std::optional<long long> ms);

// The WAL receiver's PID (0: none running).
int wal_receiver_pid(pg::Connection& conn);

}  // namespace pgwarden::cluster
