#include "cluster/attach_facts.hpp"

#include "cluster/replication_queries.hpp"

#include "log/log.hpp"
#include "text/conninfo.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <charconv>

namespace pgwarden::cluster {
namespace {

// A connection in libpq's replication mode; the walsender answers only simple queries.
std::optional<pg::Result> replication_query(const std::string& conninfo, const std::string& sql) {
    const std::string repl = text::with_default(conninfo, "replication", "database");
    pg::ConnHandle conn(PQconnectdb(repl.c_str()));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        log::debug("replication connection to \"{}\" failed: {}", text::mask_password(repl),
                   conn ? pg::trim_message(PQerrorMessage(conn.get())) : "out of memory");
        return std::nullopt;
    }
    pg::Result result(PQexec(conn.get(), sql.c_str()));
    if (!result.ok()) {
        log::debug("\"{}\" on \"{}\" failed: {}", sql, text::mask_password(repl),
                   result ? result.error_message() : "no result");
        return std::nullopt;
    }
    return result;
}

}  // namespace

std::optional<SystemIdentity> identify_system(const std::string& conninfo) {
    auto result = replication_query(conninfo, "IDENTIFY_SYSTEM");
    if (!result || result->rows() != 1 || result->columns() < 3)
        return std::nullopt;
    SystemIdentity identity;
    identity.system_id = std::string(result->value(0, 0));
    const auto tli = result->value(0, 1);
    std::from_chars(tli.data(), tli.data() + tli.size(), identity.timeline);
    auto lsn = model::parse_lsn(result->value(0, 2));
    if (!lsn || identity.timeline == 0)
        return std::nullopt;
    identity.lsn = *lsn;
    return identity;
}

std::optional<std::string> timeline_history(const std::string& conninfo, std::uint32_t tli) {
    auto result = replication_query(conninfo, fmt::format("TIMELINE_HISTORY {}", tli));
    if (!result || result->rows() != 1 || result->columns() < 2)
        return std::nullopt;
    return std::string(result->value(0, 1));
}

std::optional<model::Lsn> current_lsn(pg::Connection& conn) {
    try {
        return current_wal_lsn(conn);
    } catch (const pg::PgError& e) {
        log::debug("{}", e.what());
        return std::nullopt;
    }
}

GatheredAttachFacts gather_attach_facts(pg::Connection& local, const NodeRecord& target) {
    GatheredAttachFacts out;
    const auto local_identity = identify_system(local.conninfo());
    if (!local_identity) {
        out.error = "unable to establish a replication connection to the local node";
        out.hint =
            "check pg_hba.conf allows replication connections from this host for the user in "
            "\"conninfo\"";
        return out;
    }
    const auto target_identity = identify_system(target.conninfo);
    if (!target_identity) {
        out.error =
            fmt::format("unable to establish a replication connection to the follow target node {}",
                        target.node_id);
        return out;
    }
    failover::AttachFacts facts;
    facts.local_system_id = local_identity->system_id;
    facts.local_tli = local_identity->timeline;
    facts.local_lsn = current_lsn(local).value_or(local_identity->lsn);
    facts.target_system_id = target_identity->system_id;
    facts.target_tli = target_identity->timeline;
    facts.target_lsn = target_identity->lsn;
    if (facts.target_tli > facts.local_tli) {
        if (auto history = timeline_history(target.conninfo, facts.target_tli))
            facts.fork_lsn = failover::timeline_switchpoint(*history, facts.local_tli);
    }
    out.facts = std::move(facts);
    return out;
}

}  // namespace pgwarden::cluster
