// pgwarden: the repmgr-compatible command line. Commands live in commands/, one file per group.
#include "cli_options.hpp"
#include "command_registry.hpp"
#include "global_options.hpp"
#include "model/exit_codes.hpp"

#include "config/config_error.hpp"
#include "log/log.hpp"
#include "pg/connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

using namespace pgwarden;

namespace {

constexpr int kRepmgrVersionNumber = 50303;  // repmgr 5.3.3

void print_usage() {
    std::string text =
        "pgwarden: a repmgr-compatible command line for PostgreSQL replication clusters.\n\n"
        "Usage: pgwarden [-f repmgr.conf] [-F|--force] [-v|--verbose] [-L LEVEL] COMMAND ...\n"
        "       pgwarden -?|--help | -V|--version\n\n"
        "Commands:\n";
    auto commands = cli::command_registry();
    std::sort(commands.begin(), commands.end(),
              [](const auto& a, const auto& b) { return a.words < b.words; });
    for (const auto& command : commands) {
        std::string words;
        for (const auto& word : command.words)
            words += (words.empty() ? "" : " ") + word;
        text += fmt::format("  {:<22} {}\n", words, command.summary);
    }
    text +=
        "\nGeneral options:\n"
        "  -f, --config-file=FILE  repmgr.conf (default: /etc/repmgr/NN/repmgr.conf, "
        "./repmgr.conf,\n"
        "                          /etc/repmgr.conf, then pg_config --sysconfdir's)\n"
        "  -F, --force             go ahead where the command would refuse\n"
        "  -v, --verbose           log more detail\n"
        "  -t, --terse             do not show warnings\n"
        "  -L, --log-level=LEVEL   DEBUG, INFO, NOTICE, WARNING, ERROR, ALERT, CRIT or EMERG\n"
        "  --dry-run               check the prerequisites and change nothing\n"
        "  -?, --help              this text; with a command, its options\n"
        "  -V, --version           the version\n"
        "  --version-number        the repmgr version it reproduces (50303: 5.3.3)\n"
        "  -b, --pg_bindir=PATH    PostgreSQL's programs (overrides pg_bindir)\n"
        "  -D, --pgdata=DIR        the node's data directory (warned about as repmgr does)\n"
        "  -q, --quiet             log errors only\n"
        "  --log-to-file           log where repmgr.conf's log_file/log_facility say\n"
        "  --conninfo-file=FILE    read -d/--dbname's conninfo from FILE (a password in it\n"
        "                          stays out of ps)\n"
        "  --dump-config           print repmgr.conf's values as \"key|value\" lines (repmgr's\n"
        "                          defaults for the rest), then exit\n"
        "  -C, --remote-config-file=FILE, --check-upstream-config\n"
        "                          taken and warned about, as repmgr 5.3 does\n";
    text += "\n\"pgwarden COMMAND --help\" shows a command's options.\n";
    std::fputs(text.c_str(), stdout);
}

// Runs a command, turning what escapes it into repmgr's message and exit code.
template <typename Fn>
int guarded(Fn&& fn) {
    try {
        return fn();
    } catch (const cli::CommandLineErrors& e) {
        std::fputs(e.what(), stderr);
        return model::kErrBadConfig;
    } catch (const config::ConfigError& e) {
        log::error("{}", e.what());
        return model::kErrBadConfig;
    } catch (const pg::PgError& e) {
        log::error("{}", e.what());
        return model::kErrDbConn;
    } catch (const std::exception& e) {
        log::error("{}", e.what());
        return model::kErrInternal;
    }
}

}  // namespace

int main(int argc, char* argv[]) {
    cli::CliOptions options;
    try {
        options = cli::parse_cli_options(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pgwarden: %s\nTry \"pgwarden --help\".\n", e.what());
        return model::kErrBadConfig;
    }
    if (options.version) {
        std::fputs(fmt::format("pgwarden {} (repmgr 5.3 compatible)\n", PGWARDEN_VERSION).c_str(),
                   stdout);
        return model::kSuccess;
    }
    // repmgr's command line prints "LEVEL: message" at INFO unless told otherwise.
    log::set_style(log::Style::cli);
    log::Level level =
        options.log_level.value_or(options.verbose ? log::Level::debug : log::Level::info);
    // repmgr's -q raises the threshold to ERROR; a stricter -L stays.
    if (options.quiet)
        level = std::max(level, log::Level::error);
    log::set_level(level);
    if (options.version_number) {
        // The repmgr release whose behaviour pgwarden reproduces, as scripts compare numbers.
        std::printf("%d\n", kRepmgrVersionNumber);
        return model::kSuccess;
    }
    if (options.dump_config)
        return guarded([&] { return cli::dump_config(options); });
    if (options.words.empty()) {
        print_usage();
        return options.help ? model::kSuccess : model::kErrBadConfig;
    }
    const cli::Command* command = cli::find_command(options.words);
    if (command == nullptr) {
        std::string words;
        for (const auto& word : options.words)
            words += (words.empty() ? "" : " ") + word;
        std::fprintf(stderr, "pgwarden: unknown command \"%s\"\nTry \"pgwarden --help\".\n",
                     words.c_str());
        return model::kErrBadConfig;
    }
    if (options.help) {
        std::fputs(command->help.c_str(), stdout);
        return model::kSuccess;
    }
    return guarded([&] { return command->run(options); });
}
