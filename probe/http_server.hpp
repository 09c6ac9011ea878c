// The probe's HTTP/1.x server, in the shape of Boost.Beast's async server example: a listener and
// one small session per connection. What to answer is routing.hpp's business, not this file's.
#pragma once

#include "metrics.hpp"
#include "role_source.hpp"
#include "routing.hpp"
#include "server_limits.hpp"
#include "tls_context.hpp"
#include "warning_episode.hpp"

#include "log/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pgwarden::probe {

namespace detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

class SessionBase {
  public:
    virtual ~SessionBase() = default;
    // The server is stopping: close now if waiting for a request, else answer with
    // Connection: close and then close.
    virtual void shutdown() = 0;
    // The admission policy reaped this idle keep-alive connection for a new one: close it.
    virtual void evict() = 0;
};

// Clients whose failed TLS handshakes are followed one by one (PeerEpisodes): more than a site's
// HAProxies and monitors; beyond them, failures are only counted.
constexpr std::size_t kHandshakeEpisodePeers = 64;
constexpr std::size_t kRefusedEpisodeSources = 64;

// What the server and its sessions share. Sessions own it, so one that outlives the server (its
// last handler is destroyed with the io_context) finds null pointers rather than dead objects.
struct ServerShared {
    explicit ServerShared(const ServerLimits& limits_in)
        : limits(limits_in), admission(limits_in.admission) {}

    ServerLimits limits;
    AdmissionTable admission;     // every session is in it from admission to destruction
    RoleSource* roles = nullptr;  // null once the server is destroyed
    Metrics* metrics = nullptr;   // null once the server is destroyed
    bool stopped = false;
    WarningEpisode<> server_full;  // ends with a connection admitted without reaping
    // Sources refused for themselves (past their cap, outside --allow): one's episode ends when
    // a connection of its own is admitted, so a flood from one source among HAProxy's admitted
    // checks warns once, not once per check.
    PeerEpisodes<boost::asio::ip::address> refused_sources{kRefusedEpisodeSources};
    // A peer's ends with a TLS handshake of that peer that succeeds.
    PeerEpisodes<boost::asio::ip::address> failing_handshakes{kHandshakeEpisodePeers};
    std::size_t open = 0;  // sessions alive, evicted ones until they are destroyed
    std::map<ConnectionId, std::weak_ptr<SessionBase>> sessions;
    // Null: plain HTTP. Replaced on reload; a session keeps the one it was accepted with.
    std::shared_ptr<TlsContext> tls;
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Whether a session's stream is TLS: it then shakes hands before its first read and says
// close_notify before it closes.
template <class Stream>
inline constexpr bool kIsTls = false;
template <class Next>
inline constexpr bool kIsTls<beast::ssl_stream<Next>> = true;

// Admits a new connection from `source` (reaping an idle one if the policy says so), or says
// why not after counting and logging the refusal.
std::optional<ConnectionId> admit(ServerShared& shared, const boost::asio::ip::address& source);

// A TLS handshake with `peer` failed (counted; a warning if it starts an episode), or one
// succeeded (the episode, if any, is over).
void handshake_failed(ServerShared& shared, const boost::asio::ip::address& peer,
                      const beast::error_code& ec);
void handshake_succeeded(ServerShared& shared, const boost::asio::ip::address& peer);

using Response = http::response<http::string_body>;

Response make_response(Reply reply, unsigned version, bool keep_alive);

// The answer to a request Beast could not parse (400, 413, 431), or nothing when the error is
// the connection's (closed, reset, cut mid-request) and there is nobody to answer.
std::optional<Reply> reply_for_read_error(const beast::error_code& ec, const ServerLimits& limits);

// The metrics' endpoint label for requests answered before routing: unparsable ones.
constexpr std::string_view kInvalidLabel = "invalid";

inline std::string_view to_std(beast::string_view s) {
    return {s.data(), s.size()};
}

// One connection: read a request, answer it, and again while the client keeps the connection
// alive. Requests on a connection are answered one at a time, in order, so pipelining needs
// nothing more than the bytes left in buffer_ after a parse. Templated on the stream so unit
// tests run it over boost::beast::test::stream.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  public:
    Session(Stream&& stream, std::shared_ptr<ServerShared> shared, ConnectionId id,
            const boost::asio::ip::address& peer, std::shared_ptr<TlsContext> tls = nullptr)
        : tls_(std::move(tls)),
          stream_(std::move(stream)),
          timer_(stream_.get_executor()),
          shared_(std::move(shared)),
          id_(id),
          peer_(peer),
          opened_(PolicyClock::now()) {
        ++shared_->open;
        if (shared_->metrics)
            shared_->metrics->connection_opened();
    }

    ~Session() override {
        shared_->sessions.erase(id_);
        shared_->admission.closed(id_);
        --shared_->open;
        if (shared_->metrics)
            shared_->metrics->connection_closed();
    }

    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void run() {
        shared_->sessions.emplace(id_, this->weak_from_this());
        guarded([&] {
            if constexpr (kIsTls<Stream>)
                do_handshake();
            else
                do_read();
        });
    }

    void shutdown() override {
        stopping_ = true;
        if (phase_ == Phase::handshaking || phase_ == Phase::reading || phase_ == Phase::lingering)
            close_now();
    }

    void evict() override {
        log::debug("HTTP keep-alive connection closed while idle to make room for a new one");
        close_now();
    }

  private:
    enum class Phase { handshaking, reading, answering, writing, lingering, closed };

    const ServerLimits& limits() const { return shared_->limits; }

    // An exception never leaves a handler: the session that threw is closed, the others go on.
    template <class F>
    void guarded(F&& f) noexcept {
        try {
            f();
        } catch (const std::exception& e) {
            report_failure(e.what());
        } catch (...) {
            report_failure("unknown exception");
        }
    }

    void report_failure(const char* what) noexcept {
        try {
            log::error("HTTP session failed and was closed: {}", what);
        } catch (...) {
        }
        close_now();
    }

    // One deadline per phase; a generation number tells a stale expiry from the current one.
    void arm(std::chrono::milliseconds timeout) {
        const auto generation = ++deadline_generation_;
        timer_.expires_after(timeout);
        timer_.async_wait([weak = this->weak_from_this(), generation](const beast::error_code& ec) {
            if (ec)
                return;
            auto self = weak.lock();
            if (!self || self->deadline_generation_ != generation)
                return;
            self->guarded([&] { self->on_deadline(); });
        });
    }

    void disarm() {
        ++deadline_generation_;
        timer_.cancel();
    }

    void on_deadline() {
        if (phase_ == Phase::handshaking)
            log::debug("HTTPS connection closed: no TLS handshake and request within read_timeout");
        else if (phase_ == Phase::reading)
            log::debug("HTTP connection closed: no whole request within read_timeout");
        else if (phase_ == Phase::writing)
            log::debug("HTTP connection closed: response not taken within write_timeout");
        close_now();
    }

    void close_now() noexcept {
        if (phase_ == Phase::closed)
            return;
        phase_ = Phase::closed;
        ++deadline_generation_;
        try {
            timer_.cancel();
            beast::get_lowest_layer(stream_).close();
        } catch (...) {
            // Closing is best effort; the destructor closes what is left.
        }
    }

    // After the last response: stop sending, drop what the client still sends until it closes
    // (or close_linger passes), then close, so unread bytes do not turn our close into a reset
    // that can destroy the response before the client reads it.
    void close_gracefully() {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            beast::error_code ec;
            stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
            if (ec)
                return close_now();
            phase_ = Phase::lingering;
            arm(limits().close_linger);
            drain();
        } else if constexpr (kIsTls<Stream>) {
            // close_notify, then the client's (or its close, or close_linger) ends it: the
            // TLS form of the half-close above.
            phase_ = Phase::lingering;
            arm(limits().close_linger);
            stream_.async_shutdown([self = this->shared_from_this()](const beast::error_code&) {
                self->guarded([&] { self->close_now(); });
            });
        } else {
            close_now();
        }
    }

    void drain() {
        buffer_.clear();
        stream_.async_read_some(
            buffer_.prepare(kDrainChunk),
            [self = this->shared_from_this()](const beast::error_code& ec, std::size_t) {
                self->guarded([&] {
                    if (ec || self->phase_ != Phase::lingering)
                        return self->close_now();
                    self->drain();
                });
            });
    }

    // The handshake and the first request share one read_timeout, so a client that never
    // finishes its handshake holds a slot no longer than one that never finishes its request.
    void do_handshake() {
        phase_ = Phase::handshaking;
        arm(limits().read_timeout);
        stream_.async_handshake(boost::asio::ssl::stream_base::server,
                                [self = this->shared_from_this()](const beast::error_code& ec) {
                                    self->guarded([&] { self->on_handshake(ec); });
                                });
    }

    void on_handshake(const beast::error_code& ec) {
        if (phase_ != Phase::handshaking)
            return;  // timed out or stopped: already closed
        if (ec) {
            // A client without a certificate our CA signed, when one is required, ends here:
            // no HTTP answer at all, as Patroni's verify_client required.
            handshake_failed(*shared_, peer_, ec);
            return close_now();
        }
        handshake_succeeded(*shared_, peer_);
        do_read();
    }

    void do_read() {
        const bool handshake_deadline = phase_ == Phase::handshaking;
        phase_ = Phase::reading;
        parser_.emplace();
        parser_->header_limit(limits().header_limit);
        parser_->body_limit(limits().body_limit);
        auto wait = limits().read_timeout;
        if (answered_ > 0) {
            // Between keep-alive requests: reapable, and never held past the connection's age.
            const auto now = PolicyClock::now();
            shared_->admission.idle(id_, now);
            wait = idle_wait(limits().keep_alive, wait, opened_, now);
        }
        if (!handshake_deadline)
            arm(wait);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](const beast::error_code& ec, std::size_t) {
                self->guarded([&] { self->on_read(ec); });
            });
    }

    void on_read(const beast::error_code& ec) {
        if (phase_ != Phase::reading)
            return;  // timed out or stopped while reading: already closed
        disarm();
        shared_->admission.busy(id_);
        if (ec == http::error::end_of_stream)
            return close_gracefully();  // the client closed between requests
        if (ec) {
            if (auto reply = reply_for_read_error(ec, limits())) {
                version_ = 11;
                keep_alive_ = false;  // the rest of the stream cannot be trusted to frame
                return send(std::move(*reply), kInvalidLabel);
            }
            log::debug("HTTP connection ended while reading: {}", ec.message());
            return close_now();
        }

        const auto& request = parser_->get();
        version_ = request.version();
        keep_alive_ = request.keep_alive();
        route_ = parse_route(to_std(request.method_string()), to_std(request.target()));
        parser_.reset();

        if (!needs_node_state(route_))
            return send(decide(route_), endpoint_name(route_.endpoint));
        if (shared_->roles == nullptr)
            return close_now();  // the server is gone

        phase_ = Phase::answering;
        shared_->roles->check([self = this->shared_from_this()](const Observation& state) {
            self->guarded([&] { self->on_state(state); });
        });
    }

    void on_state(const Observation& state) {
        if (phase_ != Phase::answering)
            return;  // closed while the check ran
        send(decide(route_, state), endpoint_name(route_.endpoint));
    }

    void send(Reply reply, std::string_view endpoint_label) {
        if (auto* metrics = shared_->metrics) {
            metrics->count_request(endpoint_label, reply.status);
            if (reply.content == ContentKind::prometheus && reply.status == 200)
                reply.body = metrics->render();
        }
        log::debug("HTTP {} answered {}", endpoint_label, reply.status);
        ++answered_;
        keep_alive_ = keep_alive_ && !stopping_ &&
                      may_keep_alive(limits().keep_alive, answered_, opened_, PolicyClock::now());
        response_.emplace(make_response(std::move(reply), version_, keep_alive_));
        phase_ = Phase::writing;
        arm(limits().write_timeout);
        http::async_write(
            stream_, *response_,
            [self = this->shared_from_this()](const beast::error_code& ec, std::size_t) {
                self->guarded([&] { self->on_write(ec); });
            });
    }

    void on_write(const beast::error_code& ec) {
        if (phase_ != Phase::writing)
            return;  // timed out: already closed
        disarm();
        response_.reset();
        if (ec) {
            log::debug("HTTP connection ended while writing: {}", ec.message());
            return close_now();
        }
        if (!keep_alive_ || stopping_)
            return close_gracefully();
        do_read();
    }

    static constexpr std::size_t kDrainChunk = 1024;

    std::shared_ptr<TlsContext> tls_;  // outlives stream_, whose SSL object it made
    Stream stream_;
    net::steady_timer timer_;
    std::shared_ptr<ServerShared> shared_;
    const ConnectionId id_;
    const boost::asio::ip::address peer_;
    const PolicyClock::time_point opened_;
    std::size_t answered_ = 0;  // responses sent or being sent
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<Response> response_;
    Route route_;
    unsigned version_ = 11;
    bool keep_alive_ = false;
    bool stopping_ = false;
    Phase phase_ = Phase::reading;
    unsigned long deadline_generation_ = 0;
};

// Serves an admitted connection until it ends.
template <class Stream>
void run_session(Stream stream, const std::shared_ptr<ServerShared>& shared, ConnectionId id,
                 const boost::asio::ip::address& source,
                 std::shared_ptr<TlsContext> tls = nullptr) {
    std::make_shared<Session<Stream>>(std::move(stream), shared, id, source, std::move(tls))->run();
}

template <class Stream>
void start_session(Stream stream, const std::shared_ptr<ServerShared>& shared,
                   const boost::asio::ip::address& source,
                   std::shared_ptr<TlsContext> tls = nullptr) {
    const auto id = admit(*shared, source);
    if (!id) {
        beast::get_lowest_layer(stream).close();
        return;
    }
    run_session(std::move(stream), shared, *id, source, std::move(tls));
}

}  // namespace detail

// Listens on one endpoint and answers health checks there, on the io_context's (single) thread.
// The RoleSource and Metrics must outlive the server; construct the server after them so it is
// destroyed first. Every member function is called on the io_context's thread.
class HttpServer {
  public:
    HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
               const ServerLimits& limits, RoleSource& roles, Metrics& metrics);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds (SO_REUSEADDR), listens and starts accepting. Throws std::runtime_error
    // "cannot listen on ADDR:PORT: reason" when the address cannot be had.
    void start();

    // Stops accepting; closes connections waiting for a request; lets answers in flight be
    // written (with Connection: close), cut by write_timeout at worst. Idempotent.
    void stop();

    // The bound address; with port 0 in the constructor, the port the kernel chose.
    boost::asio::ip::tcp::endpoint local_endpoint() const;

    std::size_t open_connections() const;

    // Serves HTTPS with `context` from the next accepted connection on (connections already
    // open keep theirs); null serves plain HTTP.
    void use_tls(std::shared_ptr<TlsContext> context);

    // Runs a session over any Beast-style stream, under the same limits and connection count as
    // an accepted socket from `source`: unit tests pass a boost::beast::test::stream.
    template <class Stream>
    void accept_on(Stream&& stream, const boost::asio::ip::address& source =
                                        boost::asio::ip::address_v4::loopback()) {
        detail::start_session(std::forward<Stream>(stream), shared_, source);
    }

  private:
    void do_accept();
    void accept_pending();
    void retry_accept_later(int error);
    void serve(int fd, const boost::asio::ip::tcp::endpoint& peer);

    boost::asio::ip::tcp::endpoint endpoint_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer accept_retry_;
    std::shared_ptr<detail::ServerShared> shared_;
    WarningEpisode<> accept_failing_;  // ends with an accepted connection
};

}  // namespace pgwarden::probe
