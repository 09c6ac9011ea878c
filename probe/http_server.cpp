// The listener, and the parts of a session that do not depend on the stream type.
#include "http_server.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>

#include <fmt/format.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace pgwarden::probe {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// How long to wait before accepting again when the process is out of file descriptors or
// memory, or the listener fails; accepting at once would spin on the same error.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Connections taken from the backlog before other handlers (answers, the role query) run again.
constexpr int kAcceptBatch = 16;

std::string endpoint_text(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    if (address.is_v6())
        return fmt::format("[{}]:{}", address.to_string(), endpoint.port());
    return fmt::format("{}:{}", address.to_string(), endpoint.port());
}

std::string_view listen_hint(const boost::system::error_code& ec) {
    if (ec == net::error::address_in_use)
        return " (is socat or another pgwarden-probe still listening there? stop it or choose "
               "another port)";
    if (ec == net::error::access_denied)
        return " (ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port >= 1024)";
    if (ec == boost::system::errc::address_not_available)
        return " (this host has no such address; check --listen)";
    return "";
}

// accept4() errors that belong to the one connection (reset before it was taken, a network
// error Linux passes on, a firewall's veto): take the next one.
bool one_connections_error(int error) {
    switch (error) {
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case EPERM:
        case ENETDOWN:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case EOPNOTSUPP:
        case ENETUNREACH:
            return true;
        default:
            return false;
    }
}

}  // namespace

namespace detail {

namespace {

std::string refusal_warning(Refusal refusal, const ServerShared& shared,
                            const boost::asio::ip::address& source) {
    const auto& limits = shared.limits.admission;
    switch (refusal) {
        case Refusal::not_allowed:
            return fmt::format(
                "HTTP connection from {} closed unanswered: not in --allow; add its address "
                "block if it is a HAProxy",
                source.to_string());
        case Refusal::source_full:
            return fmt::format(
                "{} HTTP connections open from {}, max-connections-per-source is {}: its new "
                "connections are closed unanswered until some close; find that client or raise "
                "the limit",
                shared.admission.open_from(source), counted_source_text(source),
                limits.max_connections_per_source);
        case Refusal::server_full:
            break;
    }
    return fmt::format(
        "{} HTTP connections open and none idle, max-connections is {}: new connections are "
        "closed unanswered until some close; raise max-connections or find the clients that hold "
        "them",
        shared.admission.open(), limits.max_connections);
}

}  // namespace

std::optional<ConnectionId> admit(ServerShared& shared, const boost::asio::ip::address& source) {
    if (shared.stopped)
        return std::nullopt;
    const auto admission = shared.admission.admit(source);
    if (const auto* refusal = std::get_if<Refusal>(&admission)) {
        if (shared.metrics)
            shared.metrics->count_rejected_connection();
        const bool starts = *refusal == Refusal::server_full
                                ? shared.server_full.begins()
                                : shared.refused_sources.begins(counted_source(source));
        if (starts)
            log::warning("{}", refusal_warning(*refusal, shared, source));
        return std::nullopt;
    }
    shared.refused_sources.end(counted_source(source));
    const auto& admitted = std::get<Admitted>(admission);
    if (admitted.evict) {
        if (shared.metrics)
            shared.metrics->count_reaped_connection();
        if (const auto it = shared.sessions.find(*admitted.evict); it != shared.sessions.end()) {
            if (auto session = it->second.lock())
                session->evict();
        }
    } else {
        shared.server_full.end();
    }
    return admitted.id;
}

void handshake_failed(ServerShared& shared, const boost::asio::ip::address& peer,
                      const beast::error_code& ec) {
    if (shared.metrics)
        shared.metrics->count_failed_handshake();
    if (!shared.failing_handshakes.begins(peer)) {
        log::debug("HTTPS connection from {} closed: TLS handshake failed: {}", peer.to_string(),
                   ec.message());
        return;
    }
    // At the default level, or a HAProxy without check-ssl (or with a client certificate our
    // cafile did not sign) would mark every node down with nothing in our log to say why.
    log::warning(
        "HTTPS connection from {} closed: TLS handshake failed: {}; further failures are only "
        "counted (pgwarden_probe_tls_handshakes_failed_total) until a handshake of theirs "
        "succeeds; is it "
        "a HAProxy check without check-ssl, or with a client certificate cafile did not sign?",
        peer.to_string(), ec.message());
}

void handshake_succeeded(ServerShared& shared, const boost::asio::ip::address& peer) {
    shared.failing_handshakes.end(peer);
}

Response make_response(Reply reply, unsigned version, bool keep_alive) {
    Response response;
    response.version(version);
    response.result(reply.status);
    response.set(http::field::server, "pgwarden-probe");
    response.set(http::field::content_type, reply.content == ContentKind::prometheus
                                                ? "text/plain; version=0.0.4; charset=utf-8"
                                                : "application/json");
    response.set(http::field::cache_control, "no-store");
    if (reply.allow_header)
        response.set(http::field::allow, std::string(kAllowedMethods));
    response.keep_alive(keep_alive);
    if (!keep_alive)
        response.set(http::field::connection, "close");  // also for HTTP/1.0, to be explicit
    switch (reply.body_mode) {
        case BodyMode::full:
            response.body() = std::move(reply.body);
            response.prepare_payload();
            break;
        case BodyMode::headers_only:
            response.content_length(reply.body.size());  // what GET would have sent
            break;
        case BodyMode::none:
            response.content_length(0);
            break;
    }
    return response;
}

std::optional<Reply> reply_for_read_error(const beast::error_code& ec, const ServerLimits& limits) {
    static const auto& http_category = beast::error_code(http::error::bad_target).category();
    if (ec.category() != http_category)
        return std::nullopt;  // the socket's error: nobody to answer
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        return error_reply(431,
                           fmt::format("request header fields too large: at most {} bytes are read",
                                       limits.header_limit));
    }
    if (ec == http::error::body_limit) {
        return error_reply(
            413, fmt::format("request body too large: at most {} bytes are read, and health "
                             "checks need none",
                             limits.body_limit));
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == http::error::need_more || ec == http::error::need_buffer) {
        return std::nullopt;  // the client went away mid-request
    }
    return error_reply(400, fmt::format("malformed HTTP request: {}", ec.message()));
}

}  // namespace detail

HttpServer::HttpServer(net::io_context& io, const tcp::endpoint& endpoint,
                       const ServerLimits& limits, RoleSource& roles, Metrics& metrics)
    : endpoint_(endpoint),
      acceptor_(io),
      accept_retry_(io),
      shared_(std::make_shared<detail::ServerShared>(limits)) {
    shared_->roles = &roles;
    shared_->metrics = &metrics;
}

HttpServer::~HttpServer() {
    try {
        stop();
    } catch (...) {
        // Only allocation can fail in stop(); the sessions then end with the io_context.
    }
    // Sessions still alive (answers in flight, handlers not yet destroyed) must not touch the
    // RoleSource or Metrics, which may be destroyed right after us.
    shared_->roles = nullptr;
    shared_->metrics = nullptr;
}

void HttpServer::start() {
    boost::system::error_code ec;
    const auto fail = [&](std::string_view step) {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        return std::runtime_error(fmt::format("cannot listen on {}: {}{}{}",
                                              endpoint_text(endpoint_), step, ec.message(),
                                              listen_hint(ec)));
    };
    acceptor_.open(endpoint_.protocol(), ec);
    if (ec)
        throw fail("");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec)
        throw fail("SO_REUSEADDR: ");
    // "*" is "::": take IPv4 too even where net.ipv6.bindv6only=1 makes v6-only the default,
    // or every IPv4 check (HAProxy's usual) is refused.
    if (endpoint_.address().is_v6() && endpoint_.address().is_unspecified()) {
        acceptor_.set_option(net::ip::v6_only(false), ec);
        if (ec)
            throw fail("IPV6_V6ONLY: ");
    }
    acceptor_.bind(endpoint_, ec);
    if (ec)
        throw fail("");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw fail("");
    // accept_pending() calls accept4() until EAGAIN: a blocking listener would stall the loop
    // on an empty backlog. Older Asio sets this as a side effect of async_wait; newer does not.
    acceptor_.non_blocking(true, ec);
    if (ec)
        throw fail("O_NONBLOCK: ");
    shared_->stopped = false;
    do_accept();
}

void HttpServer::stop() {
    shared_->stopped = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    // Hold the sessions while telling them, as a session may end (and leave the list) at once.
    std::vector<std::shared_ptr<detail::SessionBase>> live;
    live.reserve(shared_->sessions.size());
    for (const auto& [id, weak] : shared_->sessions) {
        if (auto session = weak.lock())
            live.push_back(std::move(session));
    }
    for (const auto& session : live)
        session->shutdown();
}

tcp::endpoint HttpServer::local_endpoint() const {
    boost::system::error_code ec;
    auto endpoint = acceptor_.local_endpoint(ec);
    return ec ? endpoint_ : endpoint;
}

std::size_t HttpServer::open_connections() const {
    return shared_->open;
}

void HttpServer::use_tls(std::shared_ptr<TlsContext> context) {
    shared_->tls = std::move(context);
}

void HttpServer::do_accept() {
    // `shared` says whether we are still there: a handler may run after stop() or ~HttpServer.
    acceptor_.async_wait(tcp::acceptor::wait_read,
                         [this, shared = shared_](const boost::system::error_code& ec) {
                             if (ec == net::error::operation_aborted || shared->stopped)
                                 return;
                             if (ec)
                                 log::debug("HTTP listener wait failed: {}", ec.message());
                             accept_pending();
                         });
}

// accept4() by hand, not async_accept: a connection the admission refuses is closed before it
// costs an epoll registration, a getpeername() and a stream object. Under a flood of new
// connections most are refused, and those calls were a third of the probe's time.
void HttpServer::accept_pending() {
    for (int accepted = 0; accepted < kAcceptBatch; ++accepted) {
        tcp::endpoint peer;
        socklen_t length = static_cast<socklen_t>(peer.capacity());
        const int fd = ::accept4(acceptor_.native_handle(), peer.data(), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const int error = errno;
            // Drained: wait for the next connection.
            if (error == EAGAIN || error == EWOULDBLOCK)
                return do_accept();
            if (one_connections_error(error)) {
                log::debug("HTTP accept failed: {}", std::strerror(error));
                continue;
            }
            // Out of descriptors or memory, or a listener gone bad: accepting again at once
            // would spin on the same error.
            return retry_accept_later(error);
        }
        accept_failing_.end();
        peer.resize(length);
        serve(fd, peer);
        if (shared_->stopped)
            return;
    }
    // A full batch: let the handlers that are ready run, then take the next one. No wait on
    // the listener: it is known to be readable, and each wait costs an epoll_ctl().
    net::post(acceptor_.get_executor(), [this, shared = shared_] {
        if (!shared->stopped)
            accept_pending();
    });
}

void HttpServer::retry_accept_later(int error) {
    if (accept_failing_.begins()) {
        const bool out_of_resources =
            error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
        log::warning("cannot accept HTTP connections on {}: {}; retrying every {} ms{}",
                     endpoint_text(local_endpoint()), std::strerror(error),
                     kAcceptRetryDelay.count(),
                     out_of_resources ? " (raise LimitNOFILE or lower max_connections)" : "");
    }
    accept_retry_.expires_after(kAcceptRetryDelay);
    // Straight to accept4(): connections are most likely queued by now.
    accept_retry_.async_wait([this, shared = shared_](const boost::system::error_code& wait_ec) {
        if (!wait_ec && !shared->stopped)
            accept_pending();
    });
}

void HttpServer::serve(int fd, const tcp::endpoint& peer) {
    int unowned = fd;  // closed here until a socket owns it
    std::optional<ConnectionId> id;
    try {
        id = detail::admit(*shared_, peer.address());
        if (!id) {
            ::close(fd);
            return;
        }
        tcp::socket socket(acceptor_.get_executor());
        boost::system::error_code ec;
        socket.assign(peer.protocol(), fd, ec);
        if (ec)
            throw boost::system::system_error(ec);
        unowned = -1;
        socket.set_option(tcp::no_delay(true), ec);  // one small response per request
        if (auto tls = shared_->tls) {
            detail::TlsStream stream(beast::tcp_stream(std::move(socket)), *tls);
            detail::run_session(std::move(stream), shared_, *id, peer.address(), std::move(tls));
        } else {
            detail::run_session(beast::tcp_stream(std::move(socket)), shared_, *id, peer.address());
        }
    } catch (const std::exception& e) {
        if (unowned >= 0)
            ::close(unowned);
        // Ids are never reused: if a session was made, its destructor has already let it go.
        if (id)
            shared_->admission.closed(*id);
        log::error("HTTP connection from {} dropped: {}", peer.address().to_string(), e.what());
    }
}

}  // namespace pgwarden::probe
