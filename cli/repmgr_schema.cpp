#include "repmgr_schema.hpp"
#include "register_support.hpp"

#include "cluster/schema.hpp"
#include "log/log.hpp"

namespace pgwarden::cli {

using cluster::SchemaStatus;

SchemaOutcome ensure_repmgr_schema(pg::Connection& conn, bool dry_run) {
    const SchemaStatus status = cluster::schema_status(conn);
    switch (status) {
        case SchemaStatus::extension_installed:
            log::info("\"repmgr\" extension is already installed");
            return SchemaOutcome::present;
        case SchemaStatus::plain_installed:
            log::info(
                "repmgr metadata schema is already installed (without the \"repmgr\" extension)");
            return SchemaOutcome::present;
        case SchemaStatus::extension_available:
            log::notice("{} install extension \"repmgr\"",
                        dry_run ? "would now attempt to" : "attempting to");
            break;
        case SchemaStatus::unavailable:
            log::notice(
                "\"repmgr\" extension is not available; {} the metadata schema \"repmgr\" in "
                "plain SQL",
                dry_run ? "would now create" : "creating");
            break;
    }
    if (dry_run)
        return SchemaOutcome::created;
    const bool use_extension = status == SchemaStatus::extension_available;
    try {
        cluster::create_schema(conn, use_extension);
    } catch (const pg::PgError& e) {
        log::error("unable to create {}:\n  {}",
                   use_extension ? "\"repmgr\" extension" : "the metadata schema \"repmgr\"",
                   e.what());
        reg::hint(log::Level::error,
                  use_extension
                      ? "check that the provided user has sufficient privileges for CREATE "
                        "EXTENSION"
                      : "check that the provided user has sufficient privileges for CREATE SCHEMA");
        return SchemaOutcome::failed;
    }
    if (use_extension)
        log::notice("\"repmgr\" extension successfully installed");
    else
        log::notice("metadata schema \"repmgr\" successfully created");
    return SchemaOutcome::created;
}

}  // namespace pgwarden::cli
