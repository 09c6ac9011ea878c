// Every option the real repmgr 5.3 documents, in `repmgr --help` and in each command group's
// `--help` (read from the binary when the test runs), given to pgwarden with the command its
// help names: pgwarden must take each one, in each documented form, and either do it or refuse
// it with a message; never "unrecognised option", never a silent failure. The config file does
// not exist, so no command gets further than reading it.
#include "binaries.hpp"
#include "repmgr_cluster.hpp"
#include "run_command.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kMissingConfig = "/nonexistent-pgwarden-test/repmgr.conf";
const std::vector<std::string> kGroups = {"primary", "standby", "node",  "cluster",
                                          "witness", "service", "daemon"};

// What pgwarden must never answer to an option repmgr documents.
const std::vector<std::string> kRejections = {"unrecognised option", "unrecognized option",
                                              "unknown option", "does not take any arguments",
                                              "unknown command"};

struct Documented {
    std::vector<std::string> words;   // the command the option is documented for
    std::string option;               // "--wait-sync", "-c"
    std::vector<std::string> values;  // "[=VALUE]": {"", "1"}; "=VALUE": {"1"}; none: {""}
};

// The options in repmgr 5.3.3's getopt table (its long_options) that its --help leaves out, each
// with the command repmgr reads it for: what its switchover runs on the other node, and the
// ones it still takes and warns about. A runbook may use any of them.
const std::vector<Documented> kUndocumented = {
    {{}, "--dump-config", {""}},
    {{"node", "check"}, "--has-passfile", {""}},
    {{"node", "check"}, "--optformat", {""}},
    {{"node", "check"}, "--replication-connection", {""}},
    {{"node", "check"}, "--remote-node-id", {"2"}},
    {{"node", "check"}, "--db-connection", {""}},
    {{"node", "check"}, "--replication-config-owner", {""}},
    {{"node", "status"}, "--is-shutdown-cleanly", {""}},
    {{"node", "control"}, "--disable-wal-receiver", {""}},
    {{"node", "control"}, "--enable-wal-receiver", {""}},
    {{"cluster", "show"}, "--disable-wal-receiver", {""}},
    {{"cluster", "show"}, "--check-upstream-config", {""}},
    {{"cluster", "show"}, "-C", {""}},
    {{"standby", "switchover"}, "--remote-config-file", {"/etc/repmgr.conf"}},
    {{"standby", "switchover"}, "--repmgrd-force-unpause", {""}},
    {{"service", "status"}, "--detail", {""}},
};

// "VALUE" stands for a number here; "{samepath|pgdata}" for each of its words.
std::vector<std::string> values_of(const std::string& spec, bool optional) {
    std::vector<std::string> values;
    if (optional)
        values.emplace_back();
    if (spec.size() > 2 && spec.front() == '{') {
        std::istringstream words(spec.substr(1, spec.size() - 2));
        for (std::string word; std::getline(words, word, '|');)
            values.push_back(word);
    } else {
        values.emplace_back("1");
    }
    return values;
}

// The options of one help text, each under the command of the section it is in ("STANDBY
// CLONE" -> standby clone); before any section, under `fallback`.
std::vector<Documented> documented_options(const std::string& help,
                                           const std::vector<std::string>& fallback) {
    static const std::regex section("^([A-Z]+) ([A-Z]+)$");
    static const std::regex long_option(
        R"((?:^|[\s,/])(--[A-Za-z][A-Za-z0-9_-]*)(\[?=([^\s\]]+)\]?)?)");
    static const std::regex short_option(R"((?:^|[\s,/])(-[A-Za-z?])(?=[\s,/=]|$))");
    std::vector<Documented> found;
    std::vector<std::string> words = fallback;
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_match(line, m, section)) {
            words = {m[1].str(), m[2].str()};
            for (auto& word : words)
                for (auto& c : word)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            continue;
        }
        // Usage lines name commands, not options.
        if (line.find("[OPTIONS]") != std::string::npos)
            continue;
        for (auto it = std::sregex_iterator(line.begin(), line.end(), long_option);
             it != std::sregex_iterator(); ++it) {
            const auto& match = *it;
            std::vector<std::string> values = {""};
            if (match[2].matched)
                values = values_of(match[3].str(), match[2].str().front() == '[');
            found.push_back({words, match[1].str(), values});
        }
        // Short options only where an option line starts ("  -c, --fast-checkpoint").
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos || line[first] != '-')
            continue;
        for (auto it = std::sregex_iterator(line.begin(), line.end(), short_option);
             it != std::sregex_iterator(); ++it)
            found.push_back({words, (*it)[1].str(), {""}});
    }
    return found;
}

CommandResult run_pgwarden(const std::vector<std::string>& words,
                           const std::vector<std::string>& rest) {
    std::vector<std::string> argv = {cli_bin(), "-f", kMissingConfig};
    argv.insert(argv.end(), words.begin(), words.end());
    argv.insert(argv.end(), rest.begin(), rest.end());
    return run_command(argv, 30s, true);
}

// Why pgwarden's answer to `args` is wrong, or "" when it is fine.
std::string judge(const CommandResult& result) {
    for (const auto& rejection : kRejections)
        if (result.err.find(rejection) != std::string::npos ||
            result.out.find(rejection) != std::string::npos)
            return "\"" + rejection + "\"";
    if (result.timed_out)
        return "timed out";
    if (result.exit_code != 0 && result.err.empty())
        return "a silent failure";
    return "";
}

}  // namespace

TEST_CASE("pgwarden takes every option repmgr 5.3's --help documents, in every documented form",
          "[cli][help]") {
    std::vector<Documented> options;
    const auto general = run_checked({kRepmgr, "--help"}, 30s, true);
    for (auto& option : documented_options(general.out, {"cluster", "show"}))
        options.push_back(std::move(option));
    for (const auto& group : kGroups) {
        const auto help = run_checked({kRepmgr, group, "--help"}, 30s, true);
        for (auto& option : documented_options(help.out, {group}))
            options.push_back(std::move(option));
    }
    const std::size_t documented = options.size();
    options.insert(options.end(), kUndocumented.begin(), kUndocumented.end());
    // The extraction itself: the options repmgr documents are many, and some known ones are
    // among them, each under its command.
    REQUIRE(documented > 80);
    std::set<std::string> seen;
    for (const auto& option : options) {
        std::string words;
        for (const auto& word : option.words)
            words += word + " ";
        seen.insert(words + option.option);
    }
    for (const char* expected :
         {"standby clone --upstream-conninfo", "standby follow -W", "daemon start -w",
          "node rejoin --force-rewind", "cluster cleanup -k", "cluster show --pg_bindir",
          "standby switchover --repmgrd-no-pause", "witness register -h"})
        CHECK(seen.count(expected) == 1);

    // The judgement itself: an option nobody documents is caught, a documented one passes.
    CHECK(judge(run_pgwarden({"cluster", "show"}, {"--no-such-option"})) ==
          "\"unrecognised option\"");
    CHECK(judge(run_pgwarden({"cluster", "show"}, {"--csv"})).empty());

    std::vector<std::string> failures;
    for (const auto& option : options) {
        for (const auto& value : option.values) {
            const bool is_long = option.option.rfind("--", 0) == 0;
            std::vector<std::string> args = {value.empty() ? option.option
                                                           : option.option + "=" + value};
            auto result = run_pgwarden(option.words, args);
            // An option that needs a value its help does not show: give it one.
            if (value.empty() &&
                result.err.find("the required argument for option") != std::string::npos) {
                args = is_long ? std::vector<std::string>{option.option + "=1"}
                               : std::vector<std::string>{option.option, "1"};
                result = run_pgwarden(option.words, args);
            }
            if (const auto why = judge(result); !why.empty()) {
                std::string command;
                for (const auto& word : option.words)
                    command += word + " ";
                for (const auto& arg : args)
                    command += arg + " ";
                failures.push_back(command + "-> " + why + ": " + result.err);
            }
        }
    }
    std::string report;
    for (const auto& failure : failures)
        report += failure + "\n";
    INFO(report);
    CHECK(failures.empty());
}

TEST_CASE("standby clone refuses the repmgr options it does not carry out, naming each",
          "[cli][help]") {
    const auto result =
        run_pgwarden({"standby", "clone"}, {"-h", "localhost", "--no-upstream-connection"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.rfind("ERROR: option \"--no-upstream-connection\" is not supported by "
                           "pgwarden standby clone\nHINT: ",
                           0) == 0);
    // The options pgwarden carries out (and --without-barman, which asks for what pgwarden
    // does) get as far as the config file.
    for (const char* option :
         {"--copy-external-config-files", "--copy-external-config-files=samepath",
          "--copy-external-config-files=pgdata", "--verify-backup", "--without-barman"}) {
        INFO(option);
        const auto taken = run_pgwarden({"standby", "clone"}, {"-h", "localhost", option});
        CHECK(taken.exit_code == 1);
        CHECK(taken.err.find("not supported") == std::string::npos);
        CHECK(taken.err.find(kMissingConfig) != std::string::npos);
    }
}
