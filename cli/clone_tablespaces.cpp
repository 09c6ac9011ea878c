// standby clone's tablespace_mapping check against the source's pg_tablespace.
#include "clone_tablespaces.hpp"

#include "standby_actions.hpp"

#include <fmt/format.h>

namespace pgwarden::cli::standby {

std::vector<std::string> unknown_tablespace_dirs(
    pg::Connection& source, const std::vector<config::TablespaceMapping>& mappings) {
    std::vector<std::string> unknown;
    for (const auto& mapping : mappings) {
        const auto found = source.exec(
            "SELECT spcname FROM pg_catalog.pg_tablespace "
            "WHERE pg_catalog.pg_tablespace_location(oid) = $1",
            {mapping.old_dir});
        if (found.rows() == 0)
            unknown.push_back(mapping.old_dir);
    }
    return unknown;
}

bool tablespace_mappings_valid(pg::Connection& source,
                               const std::vector<config::TablespaceMapping>& mappings) {
    const auto unknown = unknown_tablespace_dirs(source, mappings);
    if (unknown.empty())
        return true;
    log::error("{} of {} mapped tablespaces not found", unknown.size(), mappings.size());
    std::string list;
    for (const auto& dir : unknown)
        list += fmt::format("  {}\n", dir);
    detail(log::Level::error, fmt::format("following tablespaces not found:\n{}", list));
    hint(log::Level::error,
         "each \"tablespace_mapping\" in repmgr.conf must start with a tablespace location of "
         "the source node (SELECT pg_tablespace_location(oid) FROM pg_tablespace)");
    return false;
}

}  // namespace pgwarden::cli::standby
