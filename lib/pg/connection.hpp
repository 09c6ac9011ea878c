// A blocking libpq connection for short-lived tools (the CLI, tests); the probe and the daemon use
// AsyncConnection instead.
#pragma once

#include "pg/result.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgwarden::pg {

// What failed and where; the conninfo in the message has its password masked.
class PgError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Sends the server's notices and libpq's own messages on `conn` (e.g. "terminating connection due
// to unexpected postmaster exit") to the log at DEBUG instead of raw lines on stderr: for the
// long-running programs, whose stderr is a log.
void log_notices(PGconn* conn);

class Connection {
  public:
    // Throws PgError "could not connect to <masked conninfo>: <libpq's reason>".
    static Connection open(const std::string& conninfo);

    // Runs one statement with text parameters (NULL for nullopt); throws PgError on failure.
    Result exec(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});

    PGconn* get() const { return conn_.get(); }
    const std::string& conninfo() const { return conninfo_; }

  private:
    Connection(ConnHandle conn, std::string conninfo)
        : conn_(std::move(conn)), conninfo_(std::move(conninfo)) {}
    ConnHandle conn_;
    std::string conninfo_;
};

}  // namespace pgwarden::pg
