// One libpq connection driven without blocking inside an Asio io_context: connect, query, and
// noticing at once when the server closes the connection while it is idle.
#pragma once

#include "pg/result.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace pgwarden::pg {

class AsyncConnection {
  public:
    // error is empty on success.
    using ConnectHandler = std::function<void(const std::string& error)>;
    // On success `result` holds the last result of the query; on failure `error` says why.
    using QueryHandler = std::function<void(Result result, const std::string& error)>;
    using BrokenHandler = std::function<void(const std::string& error)>;

    explicit AsyncConnection(boost::asio::io_context& io);
    ~AsyncConnection();
    AsyncConnection(const AsyncConnection&) = delete;
    AsyncConnection& operator=(const AsyncConnection&) = delete;

    // Starts connecting; any previous connection is closed first. The handler runs once, later,
    // on the io_context (never inside this call). No timeout here: the caller owns deadlines
    // and calls close().
    void async_connect(const std::string& conninfo, ConnectHandler handler);

    // Sends `sql` (one statement, no parameters) on the open connection.
    void async_query(const std::string& sql, QueryHandler handler);

    // Called when the server closes an idle connection (shutdown, backend killed), so a watcher
    // learns at once instead of at its next query.
    void on_broken(BrokenHandler handler) { broken_handler_ = std::move(handler); }

    // Abandons any operation in flight (its handler is never called) and frees the connection.
    void close();

    bool connected() const;
    bool busy() const { return busy_; }
    int server_pid() const;

  private:
    enum class Wait { read, write };
    void wait_socket(Wait direction, std::function<void()> then);
    void adopt_socket();  // wraps PQsocket() in a fresh descriptor
    void poll_connect();
    void flush_query();
    void read_query();
    void watch_idle();
    void fail_connect(const std::string& error);
    void fail_query(const std::string& error);
    std::string connection_error() const;

    boost::asio::io_context& io_;
    ConnHandle conn_;
    std::optional<boost::asio::posix::stream_descriptor> socket_;
    std::uint64_t generation_ = 0;  // bumped by close(): late completions see a stale generation
    bool busy_ = false;
    bool connecting_ = false;
    ConnectHandler connect_handler_;
    QueryHandler query_handler_;
    BrokenHandler broken_handler_;
    Result last_result_;
};

}  // namespace pgwarden::pg
