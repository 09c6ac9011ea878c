#include "daemon_options.hpp"

#include "config/config_error.hpp"
#include "config/repmgr_values.hpp"
#include "failover/policy.hpp"

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <string_view>
#include <vector>

namespace pgwarden::daemon {

namespace po = boost::program_options;

namespace {

constexpr std::string_view kDefaultName = "pgwardend";
constexpr std::string_view kPidFileName = "repmgrd.pid";

po::options_description describe_options() {
    po::options_description desc;
    // Names and arities are repmgrd's getopt_long table: -d takes no value, --daemonize an
    // optional attached one, "--daemonize-short" is repmgrd's internal long name for -d.
    // clang-format off
    desc.add_options()
        ("help,?", "")
        ("version,V", "")
        ("describe-policy", "")
        ("ini", po::value<std::string>(), "")
        ("config-file,f", po::value<std::string>(), "")
        (",d", "")
        ("daemonize", po::value<std::string>()->implicit_value(""), "")
        ("daemonize-short", po::value<std::string>()->implicit_value(""), "")
        ("pid-file,p", po::value<std::string>(), "")
        ("show-pid-file,s", "")
        ("no-pid-file", "")
        ("log-level,L", po::value<std::string>(), "")
        ("verbose,v", "")
        ("monitoring-history,m", "");
    // clang-format on
    return desc;
}

std::string program_name(int argc, const char* const argv[]) {
    if (argc < 1 || argv[0] == nullptr || *argv[0] == '\0')
        return std::string(kDefaultName);
    const std::string_view full = argv[0];
    const auto slash = full.rfind('/');
    const auto base = slash == std::string_view::npos ? full : full.substr(slash + 1);
    return base.empty() ? std::string(kDefaultName) : std::string(base);
}

std::string help_text(const std::string& name) {
    return fmt::format(
        "{0}: failover daemon for repmgr clusters, a drop-in for repmgrd 5.3\n"
        "\n"
        "Watches this node and its upstream; with failover=automatic in repmgr.conf it\n"
        "runs promote_command or follow_command when the primary is lost.\n"
        "\n"
        "Usage:\n"
        "  {0} [OPTIONS]\n"
        "\n"
        "General:\n"
        "  -?, --help                print this text and exit\n"
        "  -V, --version             print the version and exit\n"
        "  --describe-policy         print the failover machines' transition tables and exit\n"
        "\n"
        "Configuration:\n"
        "  -f, --config-file=PATH    repmgr.conf to use (default: ./repmgr.conf,\n"
        "                            /etc/repmgr.conf, then pg_config --sysconfdir)\n"
        "  -L, --log-level=LEVEL     instead of log_level: DEBUG, INFO, NOTICE, WARNING,\n"
        "                            ERROR, ALERT, CRIT or EMERG\n"
        "  -v, --verbose             log more detail\n"
        "  -m, --monitoring-history  record monitoring history, whatever monitoring_history says\n"
        "  --ini=PATH                pgwarden.ini with the [daemon] fencing settings (default:\n"
        "                            /etc/pgwarden/pgwarden.ini when it exists)\n"
        "\n"
        "Process:\n"
        "  -d, --daemonize           run in the background (the default)\n"
        "  --daemonize=false         stay in the foreground (systemd Type=notify)\n"
        "  -p, --pid-file=PATH       PID file (default: repmgrd_pid_file, else\n"
        "                            $TMPDIR/repmgrd.pid, else /tmp/repmgrd.pid)\n"
        "  -s, --show-pid-file       print the PID file path the options and repmgr.conf\n"
        "                            give, and exit\n"
        "  --no-pid-file             write no PID file\n",
        name);
}

ExitNow usage_error(const std::string& name, const std::string& problem) {
    return ExitNow{model::kErrBadConfig, "",
                   fmt::format("{0}: {1}\n"
                               "{0}: failover daemon for repmgr clusters\n"
                               "Run \"{0} --help\" to see the options.\n",
                               name, problem)};
}

// How getopt words it, so the first line reads as repmgrd's does.
std::string unknown_option_problem(const std::string& token) {
    if (token.size() > 1 && token[0] == '-' && token[1] != '-')
        return fmt::format("unknown option -- '{}'", token.substr(1));
    return fmt::format("unknown option '{}'", token);
}

}  // namespace

ParseResult parse_daemon_options(int argc, const char* const argv[]) {
    const std::string name = program_name(argc, argv);
    const auto desc = describe_options();

    po::parsed_options parsed(&desc);
    try {
        // allow_unregistered keeps unknown options in their place, so "--help --bogus" shows
        // the help, as getopt_long would reach --help first.
        // Copied here: Boost's (argc, argv) form reads past the end when argc is 0.
        const std::vector<std::string> args(argc > 1 ? argv + 1 : argv,
                                            argc > 1 ? argv + argc : argv);
        parsed = po::command_line_parser(args)
                     .options(desc)
                     .style(po::command_line_style::unix_style)
                     .allow_unregistered()
                     .run();
    } catch (const po::error& e) {
        return {std::nullopt, usage_error(name, e.what())};
    }

    DaemonOptions options;
    std::vector<std::string> errors;  // bad values: reported together, as repmgrd does
    for (const auto& option : parsed.options) {
        const std::string& key = option.string_key;
        const std::string value = option.value.empty() ? std::string() : option.value.front();
        if (option.unregistered) {
            const std::string token =
                option.original_tokens.empty() ? key : option.original_tokens.front();
            return {std::nullopt, usage_error(name, unknown_option_problem(token))};
        }
        // Boost gives "--daemonize false" the next word; getopt would leave "false" a stray
        // argument that repmgrd ignores, and daemonize. Neither is what was meant: refuse it.
        const bool detached_value =
            (key == "daemonize" || key == "daemonize-short") && option.original_tokens.size() > 1;
        if (detached_value) {
            errors.push_back(fmt::format(
                "--daemonize {0}: the value must be attached, as in --daemonize={0}", value));
        } else if (option.position_key >= 0 || key.empty()) {
            errors.push_back(fmt::format("unexpected argument {}: {} takes options only",
                                         config::quote_for_message(value), name));
        } else if (key == "help") {
            return {std::nullopt, ExitNow{model::kSuccess, help_text(name), ""}};
        } else if (key == "describe-policy") {
            return {std::nullopt, ExitNow{model::kSuccess, failover::describe_policy(), ""}};
        } else if (key == "version") {
            return {std::nullopt, ExitNow{model::kSuccess,
                                          fmt::format("pgwardend {} (repmgrd 5.3 compatible)\n",
                                                      PGWARDEN_VERSION),
                                          ""}};
        } else if (key == "ini") {
            if (value.empty())
                errors.push_back("--ini: the path is empty");
            else
                options.ini_file = value;
        } else if (key == "config-file") {
            if (value.empty())
                errors.emplace_back("-f/--config-file: the path is empty");
            options.config_file = value;
        } else if (key == "-d" || key == "daemonize-short") {
            options.daemonize = true;
        } else if (key == "daemonize") {
            if (value.empty()) {
                options.daemonize = true;
            } else if (const auto parsed_bool = config::parse_repmgr_bool(value);
                       parsed_bool.value) {
                options.daemonize = *parsed_bool.value;
            } else {
                errors.push_back(
                    fmt::format("--daemonize={}: not a boolean (use true or false; on/off, "
                                "yes/no and 1/0 also do)",
                                config::quote_for_message(value)));
            }
        } else if (key == "pid-file") {
            if (value.empty())
                errors.emplace_back(
                    "-p/--pid-file: the path is empty (use --no-pid-file for none)");
            options.pid_file = value;
        } else if (key == "show-pid-file") {
            options.show_pid_file = true;
        } else if (key == "no-pid-file") {
            options.no_pid_file = true;
        } else if (key == "log-level") {
            if (const auto level = log::parse_level(value)) {
                options.log_level = level;
            } else {
                errors.push_back(fmt::format(
                    "-L/--log-level {}: not a log level (use DEBUG, INFO, NOTICE, WARNING, "
                    "ERROR, ALERT, CRIT or EMERG)",
                    config::quote_for_message(value)));
            }
        } else if (key == "verbose") {
            options.verbose = true;
        } else if (key == "monitoring-history") {
            options.monitoring_history = true;
        }
    }

    if (!errors.empty()) {
        std::string text = fmt::format("{}: bad command line:\n", name);
        for (const auto& error : errors)
            text += fmt::format("  {}\n", error);
        text += fmt::format("Run \"{} --help\" to see the options.\n", name);
        return {std::nullopt, ExitNow{model::kErrBadConfig, "", text}};
    }
    return {std::move(options), std::nullopt};
}

PidFileChoice choose_pid_file(const DaemonOptions& options, std::string_view config_pid_file,
                              const char* tmpdir) {
    PidFileChoice choice;
    if (options.no_pid_file)
        return choice;
    if (options.pid_file) {
        choice.path = *options.pid_file;
        if (!config_pid_file.empty()) {
            choice.warning = fmt::format("-p/--pid-file {} is used instead of repmgrd_pid_file {}",
                                         config::quote_for_message(*options.pid_file),
                                         config::quote_for_message(config_pid_file));
        }
        return choice;
    }
    if (!config_pid_file.empty()) {
        choice.path = std::string(config_pid_file);
        return choice;
    }
    // repmgrd takes an empty TMPDIR literally ("/repmgrd.pid"); an empty TMPDIR means "unset".
    const std::string_view dir = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
    choice.path = fmt::format("{}/{}", dir, kPidFileName);
    return choice;
}

std::string show_pid_file_text(const PidFileChoice& choice) {
    return choice.path.value_or("") + "\n";
}

}  // namespace pgwarden::daemon
