#include "view_sweep.hpp"

#include "cluster_io.hpp"

#include "log/log.hpp"
#include "text/keepalives.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include <algorithm>

namespace pgwarden::daemon {
namespace {

namespace asio = boost::asio;

// The nodes' connect_timeout (2 s by default) bounds a connection, capped so that a conninfo
// with a long one cannot make a sweep outlast its interval; the statements are trivial.
constexpr std::chrono::seconds kMaxConnect{5};
constexpr std::chrono::seconds kStatementBound{2};

// All of repmgr.nodes, as `cluster matrix` lists them, and what pg_stat_activity keeps of a
// query on this server (pg_settings gives it in bytes, SHOW in kB).
constexpr const char* kNodesSql =
    "SELECT n.node_id, n.conninfo,"
    "       (SELECT s.setting FROM pg_catalog.pg_settings s"
    "         WHERE s.name = 'track_activity_query_size')"
    "  FROM repmgr.nodes n ORDER BY n.node_id";

std::chrono::seconds conversation_limit_for(const std::string& conninfo) {
    const auto connect = std::chrono::seconds(text::connect_timeout_secs(conninfo, 2));
    return std::min(connect, kMaxConnect) + kStatementBound;
}

std::int64_t epoch_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

NodeConversation::NodeConversation(asio::io_context& io) : resolver_(io), conn_(io), timer_(io) {}

void NodeConversation::arm(std::chrono::seconds limit) {
    timer_.expires_after(limit);
    timer_.async_wait(
        [this, alive = alive_, attempt = attempt_](const boost::system::error_code& ec) {
            if (ec || !*alive || attempt != attempt_ || !done_)
                return;
            resolver_.cancel();
            conn_.close();
            finish(connected_, pg::Result());
        });
}

void NodeConversation::run(const std::string& conninfo, const std::string& sql,
                           std::chrono::seconds limit, Done done, bool keep_open) {
    cancel();
    done_ = std::move(done);
    keep_open_ = keep_open;
    // Named as the daemon's other sessions (node_views.hpp says why).
    const auto full = daemon_conninfo(conninfo);
    arm(std::min(limit, conversation_limit_for(full)));
    resolver_.resolve(full, [this, alive = alive_, attempt = attempt_, sql](
                                const std::string& resolved, const std::string& error) {
        if (!*alive || ended(attempt, error))
            return;
        conn_.async_connect(resolved, [this, alive, attempt, sql](const std::string& error) {
            if (!*alive || ended(attempt, error))
                return;
            connected_ = true;
            send(sql);
        });
    });
}

bool NodeConversation::ended(std::uint64_t attempt, const std::string& error) {
    if (attempt != attempt_)
        return true;
    if (error.empty())
        return false;
    log::debug("view sweep: {}", error);
    finish(false, pg::Result());
    return true;
}

void NodeConversation::query(const std::string& sql, std::chrono::seconds limit, Done done) {
    ++attempt_;
    done_ = std::move(done);
    arm(limit);
    send(sql);
}

void NodeConversation::send(const std::string& sql) {
    conn_.async_query(sql, [this, alive = alive_, attempt = attempt_](pg::Result result,
                                                                      const std::string& error) {
        if (!*alive || attempt != attempt_)
            return;
        if (!error.empty())
            log::debug("view sweep: {}", error);
        finish(true, error.empty() ? std::move(result) : pg::Result());
    });
}

void NodeConversation::finish(bool connected, pg::Result result) {
    ++attempt_;
    timer_.cancel();
    auto done = std::move(done_);
    done_ = nullptr;
    if (!keep_open_ || !result)
        conn_.close();
    connected_ = false;
    if (done)
        done(connected, std::move(result));
}

void NodeConversation::cancel() {
    ++attempt_;
    resolver_.cancel();
    conn_.close();
    timer_.cancel();
    done_ = nullptr;
    connected_ = false;
}

ViewSweep::ViewSweep(asio::io_context& io, const config::RepmgrConfig& config)
    : config_(config), timer_(io), list_(sweep_io_), view_(sweep_io_) {}

template <typename Handler>
void ViewSweep::safely(Handler handler) {
    try {
        handler();
    } catch (const std::exception& e) {
        log::error("internal error in the view sweep (the sweep is dropped): {}", e.what());
        running_ = false;
    }
}

void ViewSweep::start() {
    if (thread_.joinable())
        return;
    stopped_ = false;
    work_.emplace(sweep_io_.get_executor());
    thread_ = std::thread([this] { run_thread(); });
    post_sweep();
}

void ViewSweep::run_thread() {
    // A throw that escapes a handler (one safely() does not wrap: a connect's socket
    // registration, an allocation) is logged, and the thread goes on with the next sweep.
    for (;;) {
        try {
            sweep_io_.run();
            return;
        } catch (const std::exception& e) {
            log::error("internal error in the view sweep (the sweep is dropped): {}", e.what());
            running_ = false;
        }
    }
}

void ViewSweep::stop() {
    if (!thread_.joinable())
        return;
    stopped_ = true;
    timer_.cancel();
    // The conversations are the sweep thread's: it cancels them, then ends its loop. A name
    // lookup hung in getaddrinfo stays with Asio's resolver thread (README: DNS).
    asio::post(sweep_io_, [this] {
        cancel_all();
        sweep_io_.stop();
    });
    work_.reset();
    thread_.join();
}

void ViewSweep::cancel_all() {
    running_ = false;
    list_.cancel();
    for (auto& [id, node] : nodes_)
        node->cancel();
    view_.cancel();
}

void ViewSweep::later() {
    timer_.expires_after(kSweepInterval);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped_)
            return;
        post_sweep();
    });
}

void ViewSweep::post_sweep() {
    later();
    asio::post(sweep_io_, [this, settings = Settings{config_.node_id, config_.conninfo}] {
        safely([&] { sweep(settings); });
    });
}

void ViewSweep::sweep(Settings settings) {
    if (running_) {
        log::debug("view sweep: the previous sweep is still running, this one is skipped");
        return;
    }
    running_ = true;
    settings_ = std::move(settings);
    own_ = {settings_.node_id, epoch_now(), {}};
    list_.run(settings_.conninfo, kNodesSql, kMaxConnect + kStatementBound,
              [this](bool connected, pg::Result result) {
                  safely([&] { on_nodes(connected, result); });
              });
}

void ViewSweep::on_nodes(bool connected, const pg::Result& result) {
    if (!result) {
        log::debug("view sweep: the local node's repmgr.nodes could not be read{}",
                   connected ? "" : " (no connection)");
        running_ = false;
        return;
    }
    ids_.clear();
    relayed_.clear();
    std::vector<std::string> conninfos;
    for (int row = 0; row < result.rows(); ++row) {
        const auto id = text::parse_number<int>(result.value(row, 0));
        if (!id)
            continue;
        ids_.push_back(*id);
        conninfos.emplace_back(result.value(row, 1));
        if (!result.is_null(row, 2))
            text::parse_number_into(result.value(row, 2), query_size_);
    }
    pending_ = ids_.size();
    if (pending_ == 0) {
        publish();
        return;
    }
    const auto sql = cluster::published_views_sql();
    for (std::size_t i = 0; i < ids_.size(); ++i) {
        auto& node = nodes_[ids_[i]];
        if (!node)
            node = std::make_unique<NodeConversation>(sweep_io_);
        node->run(conninfos[i], sql, kMaxConnect + kStatementBound,
                  [this, id = ids_[i]](bool up, pg::Result views) {
                      safely([&] { on_node(id, views, up); });
                  });
    }
}

void ViewSweep::on_node(int node_id, const pg::Result& result, bool connected) {
    if (!running_)
        return;
    own_.seen.emplace_back(node_id, connected ? cluster::kSeenUp : cluster::kSeenDown);
    // What a reached node publishes of itself is relayed, so crosscheck has its row even where
    // it cannot reach that node; a row it relays from others is not relayed again.
    for (int row = 0; result && node_id != settings_.node_id && row < result.rows(); ++row) {
        const auto now = text::parse_number<std::int64_t>(result.value(row, 1));
        const auto parsed = cluster::parse_view_query(result.value(row, 0));
        if (!now || !parsed.error.empty()) {
            log::debug("view sweep: node {} publishes no view: {}", node_id, parsed.error);
            continue;
        }
        auto mine = cluster::newest_row_of(cluster::fresh_rows(parsed.rows, *now), node_id);
        if (mine && !cluster::newest_row_of(relayed_, node_id))
            relayed_.push_back(cluster::only_nodes(std::move(*mine), ids_));
    }
    if (--pending_ == 0)
        publish();
}

void ViewSweep::publish() {
    running_ = false;
    const auto position = [this](int id) { return std::find(ids_.begin(), ids_.end(), id); };
    std::sort(own_.seen.begin(), own_.seen.end(),
              [&](const auto& a, const auto& b) { return position(a.first) < position(b.first); });
    std::sort(relayed_.begin(), relayed_.end(), [&](const auto& a, const auto& b) {
        return position(a.viewer) < position(b.viewer);
    });
    const auto out = cluster::publication(own_, relayed_, query_size_);
    if (!out.fits) {
        if (!said_unfit_)
            log::warning(
                "the view of {} nodes for \"cluster matrix\" takes {} bytes, more than "
                "track_activity_query_size ({}) keeps: it is not published, \"cluster matrix\" "
                "asks over ssh",
                ids_.size(), out.query.size(), query_size_);
        said_unfit_ = true;
        return;
    }
    if (out.relayed_dropped && !said_relayed_dropped_)
        log::notice(
            "the views this node relays for \"cluster crosscheck\" do not fit in "
            "track_activity_query_size ({} bytes): only its own is published, crosscheck asks "
            "the others over ssh",
            query_size_);
    said_unfit_ = false;
    said_relayed_dropped_ = out.relayed_dropped;

    const auto limit = kMaxConnect + kStatementBound;
    const auto published = [](bool, const pg::Result& result) {
        if (!result)
            log::debug("view sweep: the view could not be published on the local node");
    };
    if (view_.busy())
        return;  // the last one is still on its way: this one waits for the next sweep
    if (view_.connected() && view_conninfo_ == settings_.conninfo) {
        view_.query(out.query, limit, published);
        return;
    }
    view_conninfo_ = settings_.conninfo;
    view_.run(view_conninfo_, out.query, limit, published, true);
}

}  // namespace pgwarden::daemon
