#include "cluster/schema.hpp"

#include <libpq-fe.h>

namespace pgwarden::cluster {

SchemaStatus schema_status(pg::Connection& conn) {
    auto result = conn.exec(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'repmgr'),"
        " EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'repmgr'),"
        " pg_catalog.to_regclass('repmgr.nodes') IS NOT NULL");
    if (result.value(0, 0) == "t")
        return SchemaStatus::extension_installed;
    if (result.value(0, 2) == "t")
        return SchemaStatus::plain_installed;
    if (result.value(0, 1) == "t")
        return SchemaStatus::extension_available;
    return SchemaStatus::unavailable;
}

const std::vector<std::string>& plain_schema_statements() {
    static const std::vector<std::string> statements{
        "CREATE SCHEMA repmgr",
        R"(CREATE TABLE repmgr.nodes (
  node_id          INTEGER     PRIMARY KEY,
  upstream_node_id INTEGER     NULL REFERENCES repmgr.nodes (node_id) DEFERRABLE,
  active           BOOLEAN     NOT NULL DEFAULT TRUE,
  node_name        TEXT        NOT NULL,
  type             TEXT        NOT NULL CHECK (type IN('primary','standby','witness','bdr')),
  location         TEXT        NOT NULL DEFAULT 'default',
  priority         INT         NOT NULL DEFAULT 100,
  conninfo         TEXT        NOT NULL,
  repluser         VARCHAR(63) NOT NULL,
  slot_name        TEXT        NULL,
  config_file      TEXT        NOT NULL
))",
        R"(CREATE TABLE repmgr.events (
  node_id          INTEGER NOT NULL,
  event            TEXT NOT NULL,
  successful       BOOLEAN NOT NULL DEFAULT TRUE,
  event_timestamp  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
  details          TEXT NULL
))",
        R"(CREATE TABLE repmgr.monitoring_history (
  primary_node_id                INTEGER NOT NULL,
  standby_node_id                INTEGER NOT NULL,
  last_monitor_time              TIMESTAMP WITH TIME ZONE NOT NULL,
  last_apply_time                TIMESTAMP WITH TIME ZONE,
  last_wal_primary_location      PG_LSN NOT NULL,
  last_wal_standby_location      PG_LSN,
  replication_lag                BIGINT NOT NULL,
  apply_lag                      BIGINT NOT NULL
))",
        "CREATE INDEX idx_monitoring_history_time"
        " ON repmgr.monitoring_history (last_monitor_time, standby_node_id)",
        R"(CREATE VIEW repmgr.show_nodes AS
   SELECT n.node_id,
          n.node_name,
          n.active,
          n.upstream_node_id,
          un.node_name AS upstream_node_name,
          n.type,
          n.priority,
          n.conninfo
     FROM repmgr.nodes n
LEFT JOIN repmgr.nodes un
       ON un.node_id = n.upstream_node_id)",
        "CREATE TABLE repmgr.voting_term (term INT NOT NULL)",
        "CREATE UNIQUE INDEX voting_term_restrict ON repmgr.voting_term ((TRUE))",
        "CREATE RULE voting_term_delete AS ON DELETE TO repmgr.voting_term DO INSTEAD NOTHING",
        R"(CREATE VIEW repmgr.replication_status AS
  SELECT m.primary_node_id, m.standby_node_id, n.node_name AS standby_name,
         n.type AS node_type, n.active, last_monitor_time,
         CASE WHEN n.type='standby' THEN m.last_wal_primary_location ELSE NULL END AS last_wal_primary_location,
         m.last_wal_standby_location,
         CASE WHEN n.type='standby' THEN pg_catalog.pg_size_pretty(m.replication_lag) ELSE NULL END AS replication_lag,
         CASE WHEN n.type='standby' THEN
           CASE WHEN replication_lag > 0 THEN age(now(), m.last_apply_time) ELSE '0'::INTERVAL END
           ELSE NULL
         END AS replication_time_lag,
         CASE WHEN n.type='standby' THEN pg_catalog.pg_size_pretty(m.apply_lag) ELSE NULL END AS apply_lag,
         AGE(NOW(), m.last_monitor_time) AS communication_time_lag
    FROM repmgr.monitoring_history m
    JOIN repmgr.nodes n ON m.standby_node_id = n.node_id
   WHERE (m.standby_node_id, m.last_monitor_time) IN (
              SELECT m1.standby_node_id, MAX(m1.last_monitor_time)
                FROM repmgr.monitoring_history m1 GROUP BY 1
         ))",
    };
    return statements;
}

void create_schema(pg::Connection& conn, bool use_extension) {
    conn.exec("BEGIN");
    try {
        if (use_extension) {
            conn.exec("CREATE EXTENSION repmgr");
        } else {
            for (const auto& statement : plain_schema_statements())
                conn.exec(statement);
        }
        conn.exec("COMMIT");
    } catch (...) {
        PQclear(PQexec(conn.get(), "ROLLBACK"));
        throw;
    }
}

}  // namespace pgwarden::cluster
