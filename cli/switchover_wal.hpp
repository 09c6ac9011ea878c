// Whether this standby holds every WAL record the stopped primary wrote, read from its own
// pg_wal with pg_waldump: the last record there (on the primary's timeline, after a position the
// primary had passed before its stop) must be the primary's shutdown checkpoint. It needs no
// channel to the stopped primary, so it serves the switchover with and without SSH.
#pragma once

#include "config/repmgr_config.hpp"
#include "model/lsn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::cli::switchover {

struct WalTail {
    std::optional<model::Lsn> last_record;          // where pg_waldump's reading ended
    std::optional<model::Lsn> shutdown_checkpoint;  // the last CHECKPOINT_SHUTDOWN printed
    // The shutdown checkpoint is the very last record: nothing was written after the stop.
    bool ends_with_shutdown_checkpoint() const {
        return shutdown_checkpoint && last_record && *shutdown_checkpoint == *last_record;
    }
};
// Pure: pg_waldump --rmgr=XLOG output, its closing "error in WAL record at X/Y" line included.
WalTail parse_waldump(std::string_view output);

// Runs pg_waldump over data_directory/pg_wal from `from` on `timeline`.
WalTail read_wal_tail(const config::RepmgrConfig& config, model::Lsn from, std::uint32_t timeline);

}  // namespace pgwarden::cli::switchover
