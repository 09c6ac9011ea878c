#include "cluster/transaction.hpp"

#include <libpq-fe.h>

namespace pgwarden::cluster {

void begin_transaction(pg::Connection& conn) {
    conn.exec("BEGIN");
}

void commit_transaction(pg::Connection& conn) {
    conn.exec("COMMIT");
}

void rollback_transaction(pg::Connection& conn) noexcept {
    PQclear(PQexec(conn.get(), "ROLLBACK"));
}

}  // namespace pgwarden::cluster
