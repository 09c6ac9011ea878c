// repmgr 5.3's _do_node_status_is_shutdown_cleanly, the optformat branch of
// do_node_check_archive_ready and do_node_check_replication_connection.
#include "node_remote_checks.hpp"

#include "register_support.hpp"
#include "rejoin_data_directory.hpp"

#include "cluster/connect.hpp"
#include "cluster/node_record.hpp"
#include "log/log.hpp"
#include "model/exit_codes.hpp"
#include "pg/connection.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdio>
#include <filesystem>

namespace pgwarden::cli {
namespace {

std::string_view state_name(ShutdownState state) {
    switch (state) {
        case ShutdownState::up:
            return "UP";
        case ShutdownState::shutting_down:
            return "SHUTTING_DOWN";
        case ShutdownState::shutdown:
            return "SHUTDOWN";
        case ShutdownState::unclean_shutdown:
            return "UNCLEAN_SHUTDOWN";
        case ShutdownState::unknown:
            break;
    }
    return "UNKNOWN";
}

int print_line(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    return model::kSuccess;
}

}  // namespace

ShutdownState shutdown_state(bool pg_dir, bool answers,
                             const std::optional<rejoin::ControlData>& control) {
    if (!pg_dir || !control)
        return ShutdownState::unknown;
    auto state = answers ? ShutdownState::up : ShutdownState::unknown;
    if (control->state != "shut down" && control->state != "shut down in recovery") {
        if (!answers)
            state = ShutdownState::unclean_shutdown;
        else if (control->state == "shutting down")
            state = ShutdownState::shutting_down;
    }
    if (control->checkpoint_lsn == model::Lsn{})
        return ShutdownState::unknown;
    // Not answering, yet pg_control says it was shut down: a clean shutdown.
    return state == ShutdownState::unknown ? ShutdownState::shutdown : state;
}

std::string format_shutdown_state(ShutdownState state, model::Lsn checkpoint) {
    if (state == ShutdownState::shutdown)
        return fmt::format("--state={} --last-checkpoint-lsn={}\n", state_name(state), checkpoint);
    return fmt::format("--state={}\n", state_name(state));
}

std::string archive_ready_optformat(const NodeFacts& facts) {
    return check_archive_ready(facts).optformat;
}

RemoteCheckAnswer db_connection_answer(const std::string& output) {
    constexpr std::string_view kVerdict = "--db-connection=";
    // Only a whole line that starts with the verdict: a log line can quote the option.
    for (std::size_t start = 0; start < output.size();) {
        auto end = output.find('\n', start);
        if (end == std::string::npos)
            end = output.size();
        const std::string_view line(output.data() + start, end - start);
        if (line.substr(0, kVerdict.size()) == kVerdict)
            return line.substr(kVerdict.size()) == "OK" ? RemoteCheckAnswer::ok
                                                        : RemoteCheckAnswer::failed;
        start = end + 1;
    }
    return RemoteCheckAnswer::none;
}

int print_shutdown_state(const config::RepmgrConfig& config) {
    const bool pg_dir = std::filesystem::exists(config.data_directory + "/PG_VERSION");
    if (!pg_dir)
        return print_line(format_shutdown_state(ShutdownState::unknown, {}));
    const PGPing ping = PQping(config.conninfo.c_str());
    const bool answers = ping == PQPING_OK || ping == PQPING_REJECT;
    const auto control = rejoin::read_controldata(config);
    if (!control)
        log::debug("unable to determine db state");
    const auto state = shutdown_state(pg_dir, answers, control);
    log::debug("node status determined as: {}", state_name(state));
    return print_line(
        format_shutdown_state(state, control ? control->checkpoint_lsn : model::Lsn{}));
}

int print_replication_connection(const config::RepmgrConfig& config,
                                 std::optional<int> remote_node_id) {
    if (!remote_node_id)
        return print_line("--connection=UNKNOWN\n");
    auto local = cluster::try_connect(config.conninfo);
    if (!local)
        return print_line("--connection=CONNECTION_ERROR\n");
    const auto record = cluster::load_node(*local, *remote_node_id);
    if (!record)
        return print_line("--connection=UNKNOWN\n");
    // repmgr's establish_replication_connection_from_conninfo: the node's conninfo as its
    // replication user, on the replication protocol.
    auto conninfo = reg::conninfo_with(record->conninfo, "replication", "1");
    if (conninfo && !record->repluser.empty())
        conninfo = reg::conninfo_with(*conninfo, "user", record->repluser);
    if (conninfo)
        conninfo = reg::conninfo_with(*conninfo, "dbname", "replication");
    if (!conninfo || !cluster::try_connect(*conninfo))
        return print_line("--connection=BAD\n");
    return print_line("--connection=OK\n");
}

}  // namespace pgwarden::cli
