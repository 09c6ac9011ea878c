#include "cli_options.hpp"

#include "config/conninfo_file.hpp"
#include "config/libpq_conninfo.hpp"
#include "config/repmgr_values.hpp"
#include "option_applicability.hpp"

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <charconv>
#include <stdexcept>

namespace pgwarden::cli {

namespace po = boost::program_options;

namespace {

// Checked here, before a clone of hours: a bad value would be written into the clone's
// configuration (a standby that refuses to start) or leave it without its upstream.
void check_upstream_conninfo(const std::string& conninfo) {
    if (conninfo.empty())
        throw std::runtime_error("--upstream-conninfo needs a conninfo string");
    if (const auto parsed = config::parse_libpq_conninfo(conninfo); parsed.error)
        throw std::runtime_error(fmt::format("invalid --upstream-conninfo: {}", *parsed.error));
}

void check_recovery_min_apply_delay(const std::string& delay) {
    if (delay.empty())
        throw std::runtime_error("--recovery-min-apply-delay needs a value");
    if (const auto expected = config::check_time_with_unit(delay))
        throw std::runtime_error(
            fmt::format("invalid value provided for \"--recovery-min-apply-delay\": \"{}\" ({})",
                        delay, *expected));
}

// node check's flags, each naming one check.
constexpr const char* kNodeChecks[] = {"role",
                                       "replication-lag",
                                       "archive-ready",
                                       "downstream",
                                       "upstream",
                                       "slots",
                                       "missing-slots",
                                       "data-directory-config",
                                       "repmgrd",
                                       "db-connection",
                                       "replication-config-owner",
                                       "replication-connection"};

po::options_description describe() {
    po::options_description desc;
    // clang-format off
    desc.add_options()
        ("help,?", "")
        ("version,V", "")
        ("config-file,f", po::value<std::string>(), "")
        ("ini", po::value<std::string>(), "")
        ("force,F", "")
        ("verbose,v", "")
        ("terse,t", "")
        ("dry-run", "")
        ("log-level,L", po::value<std::string>(), "")
        ("host,h", po::value<std::string>(), "")
        ("port,p", po::value<std::string>(), "")
        ("username,U", po::value<std::string>(), "")
        ("superuser,S", po::value<std::string>(), "")
        ("dbname,d", po::value<std::string>(), "")
        ("conninfo-file", po::value<std::string>(), "")
        ("node-id", po::value<int>(), "")
        ("node-name", po::value<std::string>(), "")
        ("upstream-node-id", po::value<int>(), "")
        ("csv", "")
        ("compact", "")
        ("detail", "")
        ("json", "")
        ("nagios", "")
        ("optformat", "")
        ("limit", po::value<int>(), "")
        ("all", "")
        ("event", po::value<std::string>(), "")
        ("fast-checkpoint,c", "")
        // -w/--wait[=SECS] and -W: repmgr's getopt gives -W to --no-wait, its help gives it to
        // standby follow's --wait; each command reads the spelling its help documents.
        ("wait,w", po::value<std::string>()->implicit_value(""), "")
        (",W", "")
        ("siblings-follow", "")
        ("always-promote", "")
        ("repmgrd-no-pause", "")
        ("repmgrd-force-unpause", "")
        ("drain-timeout", po::value<int>(), "")
        ("remote-user,R", po::value<std::string>(), "")
        ("wait-start", po::value<int>(), "")
        ("wait-sync", po::value<int>()->implicit_value(-1), "")
        ("copy-external-config-files", po::value<std::string>()->implicit_value(""), "")
        ("upstream-conninfo", po::value<std::string>(), "")
        ("replication-user", po::value<std::string>(), "")
        ("recovery-min-apply-delay", po::value<std::string>(), "")
        ("replication-conf-only", "")
        ("recovery-conf-only", "")  // repmgr's older name, still in its option table
        ("verify-backup", "")
        ("without-barman", "")
        ("no-upstream-connection", "")
        ("force-rewind", po::value<std::string>()->implicit_value(""), "")
        ("config-files", po::value<std::string>(), "")
        ("config-archive-dir", po::value<std::string>(), "")
        ("no-wait", "")
        ("remote-node-id", po::value<int>(), "")
        ("is-shutdown-cleanly", "")
        ("action", po::value<std::string>(), "")
        ("list-actions", "")
        ("checkpoint", "")
        ("quiet,q", "")
        ("version-number", "")
        ("log-to-file", "")
        ("pg_bindir,b", po::value<std::string>(), "")
        ("pgdata,D", po::value<std::string>(), "")
        ("keep-history,k", po::value<int>(), "")
        ("dump-config", "")
        ("has-passfile", "")
        ("check-upstream-config", "")
        ("remote-config-file,C", po::value<std::string>(), "")
        ("disable-wal-receiver", "")
        ("enable-wal-receiver", "")
        ("words", po::value<std::vector<std::string>>(), "");
    // clang-format on
    for (const char* check : kNodeChecks)
        desc.add_options()(check, "");
    return desc;
}

// repmgr_atoi with a minimum of 0, and its two messages.
int non_negative(const char* name, const std::string& value) {
    int number = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, number);
    if (ec != std::errc() || ptr != end)
        throw std::runtime_error(
            fmt::format("\"{}\": invalid value (provided: \"{}\")", name, value));
    if (number < 0)
        throw std::runtime_error(
            fmt::format("\"{}\": must be 0 or greater (provided: \"{}\")", name, value));
    return number;
}

}  // namespace

CliOptions parse_cli_options(int argc, const char* const argv[]) {
    const auto desc = describe();
    po::positional_options_description positional;
    positional.add("words", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).positional(positional).run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw std::runtime_error(e.what());
    }
    auto text = [&](const char* name) -> std::optional<std::string> {
        if (vm.count(name) == 0U)
            return std::nullopt;
        return vm[name].as<std::string>();
    };
    auto number = [&](const char* name) -> std::optional<int> {
        if (vm.count(name) == 0U)
            return std::nullopt;
        return vm[name].as<int>();
    };
    auto flag = [&](const char* name) { return vm.count(name) != 0U; };

    CliOptions options;
    if (vm.count("words") != 0U)
        options.words = vm["words"].as<std::vector<std::string>>();
    options.help = flag("help");
    options.version = flag("version");
    options.config_file = text("config-file");
    options.ini = text("ini");
    options.force = flag("force");
    options.verbose = flag("verbose");
    options.terse = flag("terse");
    options.dry_run = flag("dry-run");
    if (const auto level = text("log-level")) {
        options.log_level = log::parse_level(*level);
        if (!options.log_level) {
            throw std::runtime_error(fmt::format(
                "invalid log level \"{}\": use DEBUG, INFO, NOTICE, WARNING, ERROR, ALERT, CRIT "
                "or EMERG",
                *level));
        }
    }
    options.host = text("host");
    options.port = text("port");
    options.user = text("username");
    options.superuser = text("superuser");
    if (options.superuser && options.superuser->empty())
        throw std::runtime_error("-S/--superuser needs a user name");
    options.dbname = text("dbname");
    // -d's conninfo from a file: a password on the command line shows in ps.
    if (const auto file = text("conninfo-file")) {
        if (options.dbname)
            throw std::runtime_error("give -d/--dbname or --conninfo-file, not both");
        options.dbname = config::read_conninfo_file(*file);
    }
    options.node_id = number("node-id");
    options.node_name = text("node-name");
    options.upstream_node_id = number("upstream-node-id");
    options.csv = flag("csv");
    options.compact = flag("compact");
    options.detail = flag("detail");
    options.json = flag("json");
    options.nagios = flag("nagios");
    options.optformat = flag("optformat");
    options.limit = number("limit");
    options.all = flag("all");
    options.event = text("event");
    options.fast_checkpoint = flag("fast-checkpoint");
    options.capital_w = flag("-W");
    options.wait_given = flag("wait");
    options.wait = options.wait_given || options.capital_w;
    if (const auto wait = text("wait"); wait && !wait->empty())
        options.wait_seconds = non_negative("--wait", *wait);
    options.siblings_follow = flag("siblings-follow");
    options.always_promote = flag("always-promote");
    options.repmgrd_no_pause = flag("repmgrd-no-pause");
    options.repmgrd_force_unpause = flag("repmgrd-force-unpause");
    options.drain_timeout = number("drain-timeout");
    options.remote_user = text("remote-user");
    options.wait_start = number("wait-start");
    options.wait_sync = number("wait-sync");
    options.copy_external_config_files = flag("copy-external-config-files");
    if (const auto where = text("copy-external-config-files"); where && !where->empty()) {
        // repmgr takes "data_directory" for "pgdata" too.
        if (*where != "samepath" && *where != "pgdata" && *where != "data_directory")
            throw std::runtime_error(
                "value provided for \"--copy-external-config-files\" must be \"samepath\" or "
                "\"pgdata\"");
        options.copy_external_config_files_to = *where == "samepath" ? "samepath" : "pgdata";
    }
    options.upstream_conninfo = text("upstream-conninfo");
    if (options.upstream_conninfo)
        check_upstream_conninfo(*options.upstream_conninfo);
    options.replication_user = text("replication-user");
    options.recovery_min_apply_delay = text("recovery-min-apply-delay");
    if (options.recovery_min_apply_delay)
        check_recovery_min_apply_delay(*options.recovery_min_apply_delay);
    options.replication_conf_only = flag("replication-conf-only") || flag("recovery-conf-only");
    options.verify_backup = flag("verify-backup");
    options.without_barman = flag("without-barman");
    options.no_upstream_connection = flag("no-upstream-connection");
    options.force_rewind = text("force-rewind");
    options.config_files = text("config-files");
    options.config_archive_dir = text("config-archive-dir");
    options.no_wait = flag("no-wait");
    options.remote_node_id = number("remote-node-id");
    options.is_shutdown_cleanly = flag("is-shutdown-cleanly");
    options.action = text("action");
    options.list_actions = flag("list-actions");
    options.checkpoint = flag("checkpoint");
    options.quiet = flag("quiet");
    options.version_number = flag("version-number");
    options.log_to_file = flag("log-to-file");
    options.pg_bindir = text("pg_bindir");
    options.pgdata = text("pgdata");
    options.keep_history = number("keep-history");
    options.dump_config = flag("dump-config");
    options.has_passfile = flag("has-passfile");
    options.check_upstream_config = flag("check-upstream-config");
    options.remote_config_file = text("remote-config-file");
    options.disable_wal_receiver = flag("disable-wal-receiver");
    options.enable_wal_receiver = flag("enable-wal-receiver");
    for (const char* check : kNodeChecks) {
        if (flag(check))
            options.checks.insert(check);
    }
    // repmgr forgets these in check_cli_parameters(), before any command reads them.
    discard_ignored_options(options);
    return options;
}

}  // namespace pgwarden::cli
