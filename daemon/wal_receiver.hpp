// standby_disconnect_on_failover's I/O (the rule is in failover/wal_receiver_freeze.hpp): for the
// length of an election the local WAL receiver is stopped and kept down, and the siblings' are
// waited for, so that every LSN compared is final. As repmgrd, through ALTER SYSTEM on
// wal_retrieve_retry_interval and SIGTERM to the receiver: pgwardend must run as the server's OS
// user with a superuser conninfo (or, on PostgreSQL 15, GRANT ALTER SYSTEM ON PARAMETER
// wal_retrieve_retry_interval).
#pragma once

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"

#include <vector>

namespace pgwarden::daemon {

// Freezes on construction when standby_disconnect_on_failover is set, and thaws when destroyed,
// whatever the election's outcome. Failures are logged; the election goes ahead regardless.
class WalReceiverFreeze {
  public:
    WalReceiverFreeze(const config::RepmgrConfig& config,
                      const std::vector<cluster::NodeRecord>& siblings);
    ~WalReceiverFreeze();
    WalReceiverFreeze(const WalReceiverFreeze&) = delete;
    WalReceiverFreeze& operator=(const WalReceiverFreeze&) = delete;

  private:
    const config::RepmgrConfig& config_;
    bool frozen_ = false;          // this freeze raised the interval
    bool reset_restores_ = false;  // the interval came from no ALTER SYSTEM: RESET restores it
};

// Takes the day off wal_retrieve_retry_interval if a freeze was left behind (a daemon killed in
// the middle of an election); called at start-up on a standby.
void thaw_left_over_freeze(const config::RepmgrConfig& config);

}  // namespace pgwarden::daemon
