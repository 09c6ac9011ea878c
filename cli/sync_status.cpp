#include "sync_status.hpp"

#include "model/lsn.hpp"

#include <fmt/format.h>

namespace pgwarden::cli {

std::optional<std::string> format_sync_status(const SyncStatusView& view) {
    if (!view.file_exists)
        return std::nullopt;
    if (!view.record)
        return fmt::format("Synchronous replication: the record {} cannot be read: {}\n", view.path,
                           view.read_error);
    std::string out;
    if (const auto& snapshot = view.record->snapshot) {
        out += fmt::format(
            "Synchronous replication as node {} (this node) last saw it on node {}, {} s ago:\n",
            view.node_id, snapshot->primary_node_id,
            std::max<std::int64_t>(0, view.now_unix - snapshot->seen_unix));
        out += fmt::format("  synchronous_standby_names = '{}', synchronous_commit = {}\n",
                           snapshot->standby_names, snapshot->synchronous_commit);
        if (!failover::waits_for_standbys(*snapshot))
            out += "  the primary waits for no standby: every standby is asynchronous\n";
        for (const auto& standby : snapshot->standbys)
            out += fmt::format(
                "  {}: {}{}{}\n", standby.application_name, standby.sync_state,
                standby.flush_lsn ? fmt::format(" (flushed to {})",
                                                model::format_lsn(model::Lsn(*standby.flush_lsn)))
                                  : std::string(),
                standby.departed ? ", no longer streaming; the primary has waited for it since"
                                 : "");
    } else {
        out += fmt::format(
            "Synchronous replication: node {} (this node) has not seen the "
            "primary's yet\n",
            view.node_id);
    }
    if (!view.record->election_refusal.empty())
        out += fmt::format("  Last election promoted nobody: {}\n", view.record->election_refusal);
    return out;
}

}  // namespace pgwarden::cli
