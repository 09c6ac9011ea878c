#include "node_rejoin_plan.hpp"

#include "model/exit_codes.hpp"
#include "source_conninfo.hpp"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

namespace pgwarden::cli::rejoin {
namespace {

using log::Level;
using Kind = Line::Kind;

Line message(Level level, std::string text) {
    return {level, Kind::message, std::move(text)};
}
Line detail(Level level, std::string text) {
    return {level, Kind::detail, std::move(text)};
}
Line hint(Level level, std::string text) {
    return {level, Kind::hint, std::move(text)};
}

std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::uint32_t to_u32(std::string_view s) {
    std::uint32_t value = 0;
    std::from_chars(s.data(), s.data() + s.size(), value);
    return value;
}

// attach_refusal speaks of a "follow target"; repmgr's rejoin wording names the same node the
// "rejoin target".
std::string as_rejoin(std::string text) {
    const std::string from = "follow target";
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at))
        text.replace(at, from.size(), "rejoin target");
    return text;
}

}  // namespace

ParsedOptions parse_rejoin_options(const CliOptions& cli) {
    ParsedOptions parsed;
    // Without any of -d/-h/-p/-U, check_cli_parameters() (option_applicability) has refused it;
    // -p or -U alone is a node on the local socket, as repmgr connects by its parameters.
    standby::ConninfoParams params;
    try {
        params = standby::source_params(cli);
    } catch (const std::invalid_argument& e) {
        parsed.errors.push_back(fmt::format("error parsing conninfo: {}", e.what()));
        return parsed;
    }
    const bool is_conninfo = cli.dbname && standby::is_conninfo_text(*cli.dbname);

    RejoinOptions options;
    // A conninfo given whole is used as given: parsing and re-writing would reorder it.
    const bool as_given = is_conninfo && !cli.host && !cli.port && !cli.user;
    options.source_conninfo = as_given ? *cli.dbname : standby::format_conninfo(params);
    options.force_rewind = cli.force_rewind.has_value();
    options.rewind_program = cli.force_rewind.value_or("");
    if (cli.config_files) {
        std::string_view rest = *cli.config_files;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const auto name = trim(rest.substr(0, comma));
            if (!name.empty())
                options.config_files.emplace_back(name);
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
    }
    if (cli.config_archive_dir && !cli.config_archive_dir->empty())
        options.config_archive_dir = *cli.config_archive_dir;
    if (!options.config_files.empty() && !options.force_rewind)
        parsed.errors.push_back(
            "--config-files can only be used in conjunction with --force-rewind");
    // repmgr's -W for node rejoin is --no-wait; its --wait means nothing here.
    options.wait = !(cli.no_wait || cli.capital_w);
    options.dry_run = cli.dry_run;
    if (parsed.errors.empty())
        parsed.options = std::move(options);
    return parsed;
}

std::optional<ControlData> parse_controldata(std::string_view text) {
    ControlData control;
    bool have_state = false;
    bool have_checkpoint = false;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        const auto line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        const auto key = trim(line.substr(0, colon));
        const auto value = trim(line.substr(colon + 1));
        if (key == "Database cluster state") {
            control.state = value;
            have_state = true;
        } else if (key == "Database system identifier") {
            control.system_id = value;
        } else if (key == "Latest checkpoint location") {
            if (auto lsn = model::parse_lsn(value)) {
                control.checkpoint_lsn = *lsn;
                have_checkpoint = true;
            }
        } else if (key == "Latest checkpoint's TimeLineID") {
            control.checkpoint_tli = to_u32(value);
        } else if (key == "Minimum recovery ending location") {
            control.min_recovery_lsn = model::parse_lsn(value).value_or(model::Lsn{});
        } else if (key == "Min recovery ending loc's timeline") {
            control.min_recovery_tli = to_u32(value);
        } else if (key == "Data page checksum version") {
            control.checksum_version = static_cast<int>(to_u32(value));
        }
    }
    if (!have_state || control.system_id.empty() || !have_checkpoint)
        return std::nullopt;
    return control;
}

RecoveryPoint recovery_point(const ControlData& control) {
    RecoveryPoint point{control.min_recovery_tli, control.min_recovery_lsn};
    if (point.lsn == model::Lsn{})
        point.lsn = control.checkpoint_lsn;
    if (point.tli == 0)
        point.tli = control.checkpoint_tli;
    return point;
}

std::optional<int> version_num_from_pg_version(std::string_view text) {
    const auto word = trim(text);
    int major = 0;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), major);
    if (ec != std::errc{} || major <= 0)
        return std::nullopt;
    // Before 10 the version was "9.6": major and minor make the number.
    if (end != word.data() + word.size() && *end == '.') {
        int minor = 0;
        std::from_chars(end + 1, word.data() + word.size(), minor);
        return major * 10000 + minor * 100;
    }
    return major * 10000;
}

ShutdownVerdict shutdown_verdict(const std::string& state, int server_version_num,
                                 bool force_rewind) {
    // pg_rewind runs crash recovery itself from PostgreSQL 13.
    constexpr int kRewindRecoversVersion = 130000;
    ShutdownVerdict verdict;
    if (state == "shut down" || state == "shut down in recovery")
        return verdict;
    verdict.unclean = true;
    if (state == "shutting down") {
        verdict.report.push_back(message(Level::error, "database is still shutting down"));
        verdict.exit_code = model::kErrRejoinFail;
        return verdict;
    }
    if (server_version_num >= kRewindRecoversVersion && force_rewind) {
        verdict.report.push_back(message(Level::warning, "database is not shut down cleanly"));
        verdict.report.push_back(
            detail(Level::warning,
                   "--force-rewind provided, pg_rewind will automatically perform recovery"));
        return verdict;
    }
    verdict.report.push_back(message(Level::error, "database is not shut down cleanly"));
    if (server_version_num >= kRewindRecoversVersion) {
        verdict.report.push_back(hint(Level::error, "provide --force-rewind to run recovery"));
    } else {
        if (force_rewind)
            verdict.report.push_back(detail(Level::error, "pg_rewind will not be able to run"));
        verdict.report.push_back(hint(Level::error,
                                      "database should be restarted then shut down cleanly after "
                                      "crash recovery completes"));
    }
    verdict.exit_code = model::kErrRejoinFail;
    return verdict;
}

AttachVerdict attach_verdict(const failover::AttachFacts& facts, bool force_rewind,
                             int local_node_id, int target_node_id) {
    AttachVerdict verdict;
    auto& report = verdict.report;
    if (facts.local_system_id != facts.target_system_id) {
        report.push_back(message(Level::error,
                                 "this node is not part of the rejoin target node's replication "
                                 "cluster"));
        report.push_back(detail(
            Level::error, fmt::format("this node's system identifier is {}, rejoin target node's "
                                      "system identifier is {}",
                                      facts.local_system_id, facts.target_system_id)));
        return verdict;
    }
    report.push_back(message(Level::info, "local and rejoin target system identifiers match"));
    report.push_back(
        detail(Level::info, fmt::format("system identifier is {}", facts.local_system_id)));
    report[0].verbose_only = report[1].verbose_only = true;

    if (const auto refusal = failover::attach_refusal(facts)) {
        verdict.rewind_required = true;
        if (force_rewind) {
            verdict.action = AttachVerdict::Action::rewind;
            report.push_back(message(
                Level::notice,
                fmt::format("pg_rewind execution required for this node to attach to rejoin "
                            "target node {}",
                            target_node_id)));
            report.push_back(detail(Level::notice, as_rejoin(*refusal)));
            return verdict;
        }
        report.push_back(message(Level::error, fmt::format("this node cannot attach to rejoin "
                                                           "target node {}",
                                                           target_node_id)));
        report.push_back(detail(Level::error, as_rejoin(*refusal)));
        report.push_back(hint(Level::error, "use --force-rewind to execute pg_rewind"));
        return verdict;
    }
    if (force_rewind) {
        verdict.action = AttachVerdict::Action::rewind;
        return verdict;
    }
    verdict.action = AttachVerdict::Action::attach;
    report.push_back(message(Level::info, fmt::format("local node {} can attach to rejoin target "
                                                      "node {}",
                                                      local_node_id, target_node_id)));
    report.push_back(detail(
        Level::info,
        facts.fork_lsn
            ? fmt::format("local node's recovery point: {}; rejoin target node's fork point: {}",
                          facts.local_lsn, *facts.fork_lsn)
            : fmt::format("local node's recovery point: {}; rejoin target node's LSN: {}",
                          facts.local_lsn, facts.target_lsn)));
    return verdict;
}

std::optional<Report> rewind_skipped(const failover::AttachFacts& facts, bool unclean,
                                     int target_node_id) {
    if (!unclean || facts.local_tli != facts.target_tli || failover::attach_refusal(facts))
        return std::nullopt;
    return Report{
        message(Level::notice,
                fmt::format("pg_rewind not executed: this node is on rejoin target node {}'s "
                            "timeline {} and not past its position",
                            target_node_id, facts.target_tli)),
        detail(Level::notice,
               fmt::format("the data directory was not shut down cleanly (recovery point {}); "
                           "crash recovery before pg_rewind would write WAL the rejoin target "
                           "does not have, so the node recovers as a standby instead",
                           facts.local_lsn)),
    };
}

std::string rewind_command(const std::string& program, const std::string& data_directory,
                           const std::string& source_conninfo) {
    // The conninfo is repmgr.nodes' (anyone who may write that table could otherwise run
    // commands here): one quoted word, which is repmgr's text for a conninfo without a quote.
    return fmt::format("{} -D {} --source-server={}", program, shell_quote(data_directory),
                       shell_quote(source_conninfo));
}

std::string archive_directory(const std::string& config_archive_dir, const std::string& node_name) {
    return fmt::format("{}/repmgr-config-archive-{}", config_archive_dir, node_name);
}

Report dry_run_report(const RejoinOptions& options, bool rewind, const std::string& command,
                      const std::string& archive_dir, const std::vector<bool>& existing_files,
                      const std::string& data_directory) {
    Report report;
    if (rewind) {
        report.push_back(message(Level::info, "prerequisites for using pg_rewind are met"));
        for (std::size_t i = 0; i < options.config_files.size(); ++i) {
            const auto& name = options.config_files[i];
            if (i < existing_files.size() && existing_files[i]) {
                report.push_back(
                    message(Level::info, fmt::format("file \"{}\" would be copied to \"{}/{}\"",
                                                     name, archive_dir, name)));
            } else {
                report.push_back(message(Level::warning,
                                         fmt::format("specified file \"{}/{}\" not found, skipping",
                                                     data_directory, name)));
            }
        }
        report.push_back(message(Level::info, "pg_rewind would now be executed"));
        report.push_back(detail(Level::info, fmt::format("pg_rewind command is:\n  {}", command)));
    }
    report.push_back(message(Level::info, "prerequisites for executing NODE REJOIN are met"));
    return report;
}

}  // namespace pgwarden::cli::rejoin
