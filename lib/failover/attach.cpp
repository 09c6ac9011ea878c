#include "failover/attach.hpp"

#include <fmt/format.h>

#include <sstream>

namespace pgwarden::failover {

std::optional<model::Lsn> timeline_switchpoint(std::string_view history, std::uint32_t tli) {
    std::istringstream in{std::string(history)};
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::uint32_t parent = 0;
        std::string lsn;
        if (!(fields >> parent >> lsn))
            continue;  // comments and blank lines
        if (parent == tli)
            return model::parse_lsn(lsn);
    }
    return std::nullopt;
}

std::optional<std::string> attach_refusal(const AttachFacts& f) {
    if (f.local_system_id != f.target_system_id) {
        return fmt::format(
            "this node is not part of the follow target node's replication cluster (system "
            "identifier {} here, {} on the follow target)",
            f.local_system_id, f.target_system_id);
    }
    if (f.local_tli > f.target_tli) {
        return fmt::format("this node's timeline {} is ahead of the follow target's timeline {}",
                           f.local_tli, f.target_tli);
    }
    if (f.local_tli == f.target_tli) {
        if (f.local_lsn > f.target_lsn) {
            return fmt::format(
                "this node is ahead of the follow target on timeline {}: local node lsn is {}, "
                "follow target lsn is {}",
                f.local_tli, f.local_lsn, f.target_lsn);
        }
        return std::nullopt;
    }
    if (!f.fork_lsn) {
        return fmt::format(
            "the follow target's timeline history does not say where timeline {} ended",
            f.local_tli);
    }
    if (f.local_lsn > *f.fork_lsn) {
        return fmt::format(
            "follow target server's timeline {} forked off current database system timeline {} "
            "before current recovery point {}",
            f.target_tli, f.local_tli, f.local_lsn);
    }
    return std::nullopt;
}

}  // namespace pgwarden::failover
