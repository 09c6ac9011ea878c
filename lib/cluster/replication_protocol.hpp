// Questions a command asks over a replication connection (libpq's replication=database mode,
// where the walsender answers only its own simple commands). Never throw: a failure is logged at
// DEBUG and answers nothing.
#pragma once

#include "model/lsn.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace pgwarden::cluster {

// IDENTIFY_SYSTEM over a replication connection made from `conninfo`.
struct SystemIdentity {
    std::string system_id;
    std::uint32_t timeline = 0;
    model::Lsn lsn;
};
std::optional<SystemIdentity> identify_system(const std::string& conninfo);
// TIMELINE_HISTORY tli: the history file's content.
std::optional<std::string> timeline_history(const std::string& conninfo, std::uint32_t tli);

}  // namespace pgwarden::cluster
