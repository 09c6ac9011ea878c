#include "switchover_remote.hpp"

#include "node_remote_checks.hpp"
#include "register_support.hpp"
#include "standby_siblings.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_state_store.hpp"
#include "cluster/fence_queries.hpp"
#include "cluster/replication_queries.hpp"
#include "cluster/session_settings.hpp"
#include "cluster/switchover_queries.hpp"
#include "exec/shell.hpp"
#include "exec/shell_quote.hpp"
#include "failover/handover.hpp"
#include "log/log.hpp"
#include "model/exit_codes.hpp"

#include <fmt/format.h>

#include <thread>

namespace pgwarden::cli::switchover {
namespace {

using Clock = std::chrono::steady_clock;
using log::Level;

constexpr auto kPoll = std::chrono::milliseconds(200);
// Past its own waits, what a remote command may take (ssh's ConnectTimeout included).
constexpr std::chrono::seconds kRemoteMargin{30};
// ssh's own exit status when it could not run the command at all.
constexpr int kSshFailed = 255;

std::string describe_node(const cluster::NodeRecord& node) {
    return fmt::format("\"{}\" (ID: {})", node.node_name, node.node_id);
}

// Through the primary's pgwardend.
class DaemonRemote final : public Remote {
  public:
    DaemonRemote(const config::RepmgrConfig& config, cluster::NodeRecord primary,
                 pg::Connection& primary_conn, failover::HandoverRequest request,
                 std::string session_conninfo)
        : config_(config),
          primary_(std::move(primary)),
          primary_conn_(primary_conn),
          request_(std::move(request)),
          session_conninfo_(std::move(session_conninfo)) {}

    std::optional<int> check_superuser(const std::string& user) override {
        // No SSH: the daemon checkpoints and stops its server with its own connection.
        log::debug("pgwardend on node {} stops it itself; \"{}\" is not needed there",
                   describe_node(primary_), user);
        return std::nullopt;
    }

    void describe_stop() override {
        log::info(
            "pgwardend on node {} would answer 503 on /primary, drain it for up to {} s and "
            "stop it",
            describe_node(primary_), request_.drain.count());
    }

    StopOutcome stop() override {
        // Valid for a few of the daemon's monitor intervals: it claims a request at its next
        // local check.
        const int valid_secs = std::max(10, 3 * config_.monitor_interval_secs);
        try {
            request_.id = cluster::insert_switchover_request(primary_conn_, primary_.node_id,
                                                             request_, valid_secs);
        } catch (const pg::PgError& e) {
            return {false, fmt::format("unable to ask pgwardend on node {}: {}",
                                       describe_node(primary_), e.what())};
        }
        // This command's own session on the primary is not one HAProxy routed: the drain must not
        // wait for it.
        try {
            cluster::set_application_name(primary_conn_, failover::marker_name(request_.id, false));
        } catch (const pg::PgError& e) {
            log::debug("unable to name this session: {}", e.what());
        }
        // Named after connecting: a conninfo of its own may carry an application_name. As -S's
        // user when given, as repmgr promotes through its superuser connection.
        marker_ = cluster::try_connect(session_conninfo_);
        try {
            if (marker_)
                cluster::set_application_name(*marker_, failover::marker_name(request_.id, false));
        } catch (const pg::PgError& e) {
            log::error("unable to name the switchover's session: {}", e.what());
            marker_.reset();
        }
        if (!marker_) {
            withdraw();
            return {false, "unable to open the switchover's session on the local node"};
        }
        log::notice("asking pgwardend on node {} to hand over (request {})",
                    describe_node(primary_), request_.id);
        auto state = wait_state_change(std::string(failover::kRequested),
                                       std::chrono::seconds(valid_secs + 2));
        if (state == failover::kRequested && withdraw())
            return {false, fmt::format("pgwardend on node {} did not take the switchover request "
                                       "within {} s (a daemon that is not pgwardend, or one that "
                                       "is isolated or fenced, does not)",
                                       describe_node(primary_), valid_secs)};
        if (state == failover::kRequested)
            state = wait_state_change(std::string(failover::kRequested), std::chrono::seconds(5));
        if (state == failover::kDraining) {
            log::notice("node {} answers 503 on /primary now; draining it for up to {} s",
                        describe_node(primary_), request_.drain.count());
            state =
                wait_state_change(std::string(failover::kDraining), request_.drain + kRemoteMargin);
        }
        if (state == failover::kStopping || state.empty()) {
            log::notice("stopping current primary node {}", describe_node(primary_));
            return {true, {}};
        }
        return {false,
                fmt::format("pgwardend on node {} did not stop it ({}{})", describe_node(primary_),
                            state, detail_.empty() ? "" : ": " + detail_)};
    }

    pg::Connection& decision_session(pg::Connection& local) override {
        return marker_ ? *marker_ : local;
    }

    void restart_as_primary() override {
        if (!marker_)
            return;
        try {
            cluster::set_application_name(*marker_, failover::marker_name(request_.id, true));
            log::notice("pgwardend on node {} starts it again", describe_node(primary_));
        } catch (const pg::PgError& e) {
            log::error("unable to tell pgwardend on node {} to start it again: {}",
                       describe_node(primary_), e.what());
        }
    }

    void rejoin(const cluster::NodeRecord& new_primary, bool /*may_diverge*/) override {
        // The daemon rejoins as soon as it sees this node promoted; the rewind was decided with
        // the request (--force-rewind).
        log::notice("pgwardend on node {} rejoins it to node {}", describe_node(primary_),
                    describe_node(new_primary));
    }

    void finish(pg::Connection& new_primary, bool ok, const std::string& detail) override {
        try {
            cluster::set_switchover_state(new_primary, request_.id, ok ? "done" : "incomplete",
                                          detail);
        } catch (const pg::PgError& e) {
            log::debug("unable to record the switchover's end: {}", e.what());
        }
    }

  private:
    bool withdraw() {
        try {
            return cluster::withdraw_switchover_request(primary_conn_, request_.id);
        } catch (const pg::PgError&) {
            return false;
        }
    }

    // The state once it is no longer `from` (empty: the primary went away, i.e. it stopped).
    std::string wait_state_change(const std::string& from, std::chrono::milliseconds limit) {
        const auto deadline = Clock::now() + limit;
        for (;;) {
            try {
                const auto row = cluster::switchover_row(primary_conn_, request_.id);
                const std::string state = row ? row->state : std::string("missing");
                detail_ = row ? row->detail : std::string();
                if (state != from)
                    return state;
            } catch (const pg::PgError&) {
                return {};
            }
            if (Clock::now() >= deadline)
                return from;
            std::this_thread::sleep_for(kPoll);
        }
    }

    const config::RepmgrConfig& config_;
    cluster::NodeRecord primary_;
    pg::Connection& primary_conn_;
    failover::HandoverRequest request_;
    std::string session_conninfo_;
    std::optional<pg::Connection> marker_;
    std::string detail_;
};

// Over SSH, with pgwarden's own node commands on the remote host, as repmgr does.
class SshRemote final : public Remote {
  public:
    SshRemote(const CliOptions& options, const config::RepmgrConfig& config,
              cluster::NodeRecord primary)
        : options_(options), config_(config), primary_(std::move(primary)) {}

    void describe_stop() override {
        log::info("following shutdown command would be run on node \"{}\":\n  \"{}\"",
                  primary_.node_name,
                  command({"node", "service", "--action=stop", "--checkpoint"}));
    }

    std::optional<int> check_superuser(const std::string& user) override {
        const std::vector<std::string> check = {"node", "check", "--db-connection",
                                                "--superuser=" + user};
        auto optformat = check;
        optformat.insert(optformat.end(), {"--optformat", "-LINFO"});
        const auto host = standby::host_of(primary_);
        // Its stderr too: where no check ran, what the remote shell said is the diagnosis.
        const auto line =
            standby::ssh_command(host, config_, ssh_options(),
                                 standby::remote_pgwarden(primary_, config_, optformat) + " 2>&1");
        log::debug("executing:\n  {}", line);
        const auto outcome = exec::run_shell(line, kRemoteMargin, Level::debug);
        const auto answer = db_connection_answer(outcome.output);
        if (answer == RemoteCheckAnswer::failed) {
            log::error("unable to connect locally as superuser \"{}\" on node {}", user,
                       describe_node(primary_));
            reg::hint(Level::error, fmt::format("diagnose with:\n  {}", command(check)));
            return model::kErrDbConn;
        }
        if (answer == RemoteCheckAnswer::none) {
            log::error("unable to execute \"pgwarden node check --db-connection\" on \"{}\":",
                       host);
            reg::detail(
                Level::error,
                !outcome.error.empty() ? outcome.error
                : outcome.timed_out
                    ? fmt::format("no answer within {} seconds", kRemoteMargin.count())
                    : fmt::format("exit code {}, output: {}", outcome.exit_code, outcome.output));
            // ssh ran the command: the program there did not know the check.
            if (outcome.error.empty() && !outcome.timed_out && outcome.exit_code != kSshFailed)
                reg::hint(Level::error,
                          "pgwarden there must be this version or newer (\"pgwarden --version\" "
                          "on both nodes)");
            return model::kErrBadConfig;
        }
        return std::nullopt;
    }

    StopOutcome stop() override {
        log::notice("stopping current primary node {}", describe_node(primary_));
        // The CHECKPOINT before the stop needs a superuser there: -S's, as repmgr passes it.
        std::vector<std::string> args = {"node", "service", "--action=stop", "--checkpoint"};
        if (options_.superuser)
            args.push_back("--superuser=" + *options_.superuser);
        run(args, std::chrono::seconds(config_.shutdown_check_timeout));
        return {true, {}};
    }

    pg::Connection& decision_session(pg::Connection& local) override { return local; }

    void restart_as_primary() override {
        log::notice("starting node {} again", describe_node(primary_));
        run({"node", "service", "--action=start"},
            std::chrono::seconds(config_.standby_reconnect_timeout));
    }

    void rejoin(const cluster::NodeRecord& new_primary, bool may_diverge) override {
        // Waited for (repmgr passes --no-wait): the rejoin then records node_rejoin.
        std::vector<std::string> args = {"node", "rejoin", "-d", new_primary.conninfo};
        if (options_.force_rewind && may_diverge) {
            args.push_back(options_.force_rewind->empty()
                               ? std::string("--force-rewind")
                               : "--force-rewind=" + *options_.force_rewind);
        }
        run(args, std::chrono::seconds(config_.standby_reconnect_timeout));
    }

    void finish(pg::Connection&, bool, const std::string&) override {}

  private:
    standby::SiblingOptions ssh_options() const {
        return {false, false, false, options_.remote_user.value_or("")};
    }
    std::string command(const std::vector<std::string>& args) const {
        return standby::ssh_command(standby::host_of(primary_), config_, ssh_options(),
                                    standby::remote_pgwarden(primary_, config_, args));
    }
    void run(const std::vector<std::string>& args, std::chrono::seconds timeout) const {
        const auto line = command(args);
        log::debug("executing:\n  {}", line);
        const auto outcome = exec::run_shell(line, timeout + kRemoteMargin, Level::info);
        if (!outcome.ok())
            log::warning("\"{}\" on node {} exited with {}", exec::shell_words(args),
                         describe_node(primary_), outcome.exit_code);
    }

    const CliOptions& options_;
    const config::RepmgrConfig& config_;
    cluster::NodeRecord primary_;
};

}  // namespace

std::unique_ptr<Remote> make_remote(const CliOptions& options, const config::RepmgrConfig& config,
                                    const cluster::NodeRecord& primary,
                                    pg::Connection& primary_conn, int drain_secs) {
    std::unique_ptr<Remote> remote;
    bool daemon = false;
    try {
        daemon = cluster::open_state_store(primary_conn)->daemon_running(primary.node_id) == true;
    } catch (const pg::PgError& e) {
        log::debug("unable to ask whether pgwardend runs on the primary: {}", e.what());
    }
    if (daemon) {
        failover::HandoverRequest request;
        request.candidate_node_id = config.node_id;
        request.drain = std::chrono::seconds(drain_secs);
        request.force_rewind = options.force_rewind;
        request.config_files = options.config_files.value_or("");
        const auto session = reg::local_conninfo(config, options.superuser);
        if (!session)
            return nullptr;
        remote = std::make_unique<DaemonRemote>(config, primary, primary_conn, request, *session);
        log::at(options.dry_run ? Level::info : Level::debug,
                "pgwardend runs on node {}: it is asked through the database, without SSH",
                describe_node(primary));
    } else {
        const auto host = standby::host_of(primary);
        if (!standby::ssh_reachable(host, config,
                                    {false, false, false, options.remote_user.value_or("")})) {
            log::error("unable to connect via SSH to host \"{}\", user \"{}\"", host,
                       options.remote_user.value_or(""));
            reg::hint(Level::error,
                      "no pgwardend runs on the primary either: start it there, or set up SSH");
            return nullptr;
        }
        log::at(options.dry_run ? Level::info : Level::debug,
                "SSH connection to host \"{}\" succeeded", host);
        remote = std::make_unique<SshRemote>(options, config, primary);
    }
    try {
        remote->set_wal_start(cluster::current_wal_lsn(primary_conn).value_or(model::Lsn{}),
                              cluster::current_timeline(primary_conn));
    } catch (const pg::PgError& e) {
        log::error("unable to read the primary's WAL position: {}", e.what());
        return nullptr;
    }
    return remote;
}

}  // namespace pgwarden::cli::switchover
