// RAII ownership of libpq handles: a PGresult and a PGconn are freed exactly once.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::pg {

struct ConnDeleter {
    void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
using ConnHandle = std::unique_ptr<PGconn, ConnDeleter>;

class Result {
  public:
    Result() = default;
    explicit Result(PGresult* res) : res_(res) {}

    explicit operator bool() const { return res_ != nullptr; }
    ExecStatusType status() const { return PQresultStatus(res_.get()); }
    // True for a command or a query that completed.
    bool ok() const {
        return res_ && (status() == PGRES_TUPLES_OK || status() == PGRES_COMMAND_OK);
    }
    std::string error_message() const;  // libpq's text, trailing newline removed
    int rows() const { return PQntuples(res_.get()); }
    int columns() const { return PQnfields(res_.get()); }
    bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
    std::string_view value(int row, int col) const {
        return {PQgetvalue(res_.get(), row, col),
                static_cast<std::size_t>(PQgetlength(res_.get(), row, col))};
    }
    std::optional<std::string_view> optional_value(int row, int col) const {
        if (is_null(row, col))
            return std::nullopt;
        return value(row, col);
    }
    PGresult* get() const { return res_.get(); }

  private:
    struct Deleter {
        void operator()(PGresult* res) const noexcept { PQclear(res); }
    };
    std::unique_ptr<PGresult, Deleter> res_;
};

// libpq's messages end in a newline; ours are single lines.
std::string trim_message(std::string_view message);

}  // namespace pgwarden::pg
