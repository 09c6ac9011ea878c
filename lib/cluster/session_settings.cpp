#include "cluster/session_settings.hpp"

namespace pgwarden::cluster {

void commit_without_standbys(pg::Connection& conn) {
    conn.exec("SET synchronous_commit = local");
}

}  // namespace pgwarden::cluster
