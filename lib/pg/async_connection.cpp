#include "pg/async_connection.hpp"
#include "pg/connection.hpp"

#include <boost/asio/post.hpp>

#include <utility>

namespace pgwarden::pg {

namespace asio = boost::asio;
using boost::system::error_code;

AsyncConnection::AsyncConnection(asio::io_context& io) : io_(io) {}

AsyncConnection::~AsyncConnection() {
    close();
}

bool AsyncConnection::connected() const {
    return conn_ && !connecting_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

int AsyncConnection::server_pid() const {
    return conn_ ? PQbackendPID(conn_.get()) : 0;
}

std::string AsyncConnection::connection_error() const {
    if (!conn_)
        return "no connection";
    std::string message = trim_message(PQerrorMessage(conn_.get()));
    return message.empty() ? "connection lost" : message;
}

void AsyncConnection::close() {
    ++generation_;
    if (socket_) {
        // The descriptor belongs to libpq: release it so only PQfinish closes the fd.
        error_code ignored;
        socket_->cancel(ignored);
        socket_->release();
        socket_.reset();
    }
    conn_.reset();
    busy_ = false;
    connecting_ = false;
    connect_handler_ = nullptr;
    query_handler_ = nullptr;
    last_result_ = Result();
}

void AsyncConnection::adopt_socket() {
    // Always anew, never "same fd number, same socket": when libpq gives up on a host or
    // address (host=a,b, AAAA then A, an sslmode=prefer retry) it closes its socket and opens
    // another, which usually gets the same number. Closing dropped the old one from epoll, so
    // keeping the descriptor would wait on nothing until the caller's deadline.
    const int fd = PQsocket(conn_.get());
    if (socket_) {
        error_code ignored;
        socket_->cancel(ignored);
        socket_->release();
        socket_.reset();
    }
    if (fd >= 0)
        socket_.emplace(io_, fd);
}

void AsyncConnection::wait_socket(Wait direction, std::function<void()> then) {
    const auto wait_type = direction == Wait::read ? asio::posix::stream_descriptor::wait_read
                                                   : asio::posix::stream_descriptor::wait_write;
    socket_->async_wait(wait_type,
                        [this, gen = generation_, then = std::move(then)](const error_code& ec) {
                            if (gen != generation_ || ec == asio::error::operation_aborted)
                                return;
                            then();
                        });
}

void AsyncConnection::async_connect(const std::string& conninfo, ConnectHandler handler) {
    close();
    connecting_ = true;
    busy_ = true;
    connect_handler_ = std::move(handler);
    conn_.reset(PQconnectStart(conninfo.c_str()));
    if (conn_)
        log_notices(conn_.get());
    if (!conn_) {
        fail_connect("out of memory starting a connection");
        return;
    }
    if (PQstatus(conn_.get()) == CONNECTION_BAD) {
        fail_connect(connection_error());
        return;
    }
    adopt_socket();
    // libpq says: after PQconnectStart, behave as if PQconnectPoll had returned WRITING.
    wait_socket(Wait::write, [this] { poll_connect(); });
}

void AsyncConnection::poll_connect() {
    const PostgresPollingStatusType status = PQconnectPoll(conn_.get());
    switch (status) {
        case PGRES_POLLING_OK: {
            adopt_socket();
            if (PQsetnonblocking(conn_.get(), 1) != 0) {
                fail_connect(connection_error());
                return;
            }
            connecting_ = false;
            busy_ = false;
            auto handler = std::move(connect_handler_);
            connect_handler_ = nullptr;
            watch_idle();
            if (handler)
                handler({});
            return;
        }
        case PGRES_POLLING_FAILED:
            fail_connect(connection_error());
            return;
        case PGRES_POLLING_READING:
            adopt_socket();  // libpq may have opened a new socket (next host, SSL retry)
            wait_socket(Wait::read, [this] { poll_connect(); });
            return;
        default:
            adopt_socket();
            wait_socket(Wait::write, [this] { poll_connect(); });
            return;
    }
}

void AsyncConnection::fail_connect(const std::string& error) {
    auto handler = std::move(connect_handler_);
    close();
    // Never call back inside async_connect itself: post it.
    if (handler)
        asio::post(io_, [handler = std::move(handler), error] { handler(error); });
}

void AsyncConnection::async_query(const std::string& sql, QueryHandler handler) {
    if (!connected()) {
        asio::post(io_, [handler = std::move(handler)] { handler(Result(), "not connected"); });
        return;
    }
    // Stop the idle watch: from here on the query owns the socket's readiness.
    error_code ignored;
    socket_->cancel(ignored);
    busy_ = true;
    query_handler_ = std::move(handler);
    last_result_ = Result();
    if (PQsendQuery(conn_.get(), sql.c_str()) == 0) {
        fail_query(connection_error());
        return;
    }
    flush_query();
}

void AsyncConnection::flush_query() {
    const int flushed = PQflush(conn_.get());
    if (flushed < 0) {
        fail_query(connection_error());
    } else if (flushed > 0) {
        wait_socket(Wait::write, [this] { flush_query(); });
    } else {
        wait_socket(Wait::read, [this] { read_query(); });
    }
}

void AsyncConnection::read_query() {
    if (PQconsumeInput(conn_.get()) == 0) {
        fail_query(connection_error());
        return;
    }
    while (PQisBusy(conn_.get()) == 0) {
        PGresult* raw = PQgetResult(conn_.get());
        if (raw == nullptr) {
            // All results read: the connection is idle again.
            busy_ = false;
            auto handler = std::move(query_handler_);
            query_handler_ = nullptr;
            Result result = std::move(last_result_);
            watch_idle();
            if (!result) {
                handler(Result(), "the server returned no result");
            } else if (!result.ok()) {
                const std::string error = result.error_message();
                handler(std::move(result), error);
            } else {
                handler(std::move(result), {});
            }
            return;
        }
        last_result_ = Result(raw);
    }
    wait_socket(Wait::read, [this] { read_query(); });
}

void AsyncConnection::fail_query(const std::string& error) {
    auto handler = std::move(query_handler_);
    close();
    if (handler)
        asio::post(io_, [handler = std::move(handler), error] { handler(Result(), error); });
}

void AsyncConnection::watch_idle() {
    if (!socket_)
        return;
    wait_socket(Wait::read, [this] {
        if (busy_)
            return;
        // Readable while idle: a notice, or the server going away.
        if (PQconsumeInput(conn_.get()) == 0 || PQstatus(conn_.get()) != CONNECTION_OK) {
            const std::string error = connection_error();
            close();
            if (broken_handler_)
                broken_handler_(error);
            return;
        }
        while (PGnotify* notify = PQnotifies(conn_.get()))
            PQfreemem(notify);
        watch_idle();
    });
}

}  // namespace pgwarden::pg
