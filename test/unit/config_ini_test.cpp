// pgwarden.ini: sections, keys with file:line, errors, and merging under the command line.
#include "config/pgwarden_ini.hpp"
#include "fencing_settings.hpp"
#include "options.hpp"

#include "config_repmgr_fixture.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace pgwarden::config;
using pgwarden::test::source_dir;
using pgwarden::test::TempDir;

namespace {

// Options shaped like pgwarden-probe's.
struct ProbeLikeOptions {
    po::options_description desc{"Options"};
    unsigned query_timeout = 0;
    bool verbose = false;

    ProbeLikeOptions() {
        // clang-format off
        desc.add_options()
            ("help,?", "show this help and exit")
            ("config-file,f", po::value<std::string>(), "repmgr.conf")
            ("conninfo", po::value<std::string>(), "conninfo")
            ("listen", po::value<std::string>()->default_value("*"), "address")
            ("port", po::value<unsigned short>()->default_value(5445), "port")
            ("query-timeout", po::value<unsigned>(&query_timeout)->default_value(2000), "ms")
            ("read-timeout", po::value<unsigned>()->default_value(5000), "ms")
            ("max-connections", po::value<unsigned>()->default_value(512), "connections")
            ("log-level,L", po::value<std::string>()->default_value("INFO"), "level")
            ("log-file", po::value<std::string>(), "file")
            ("verbose", po::bool_switch(&verbose), "more output");
        // clang-format on
    }

    po::variables_map command_line(std::vector<const char*> args) const {
        args.insert(args.begin(), "pgwarden-probe");
        po::variables_map vm;
        po::store(
            po::command_line_parser(static_cast<int>(args.size()), args.data()).options(desc).run(),
            vm);
        return vm;
    }
};

std::string error_of(const std::string& path) {
    try {
        load_pgwarden_ini(path);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("sections hold their keys with file and line, and '_' in a key reads as '-'") {
    TempDir dir;
    const std::string path = dir.write("pgwarden.ini",
                                       "; comment\n"
                                       "# another\n"
                                       "[probe]\n"
                                       "listen = 127.0.0.1\n"
                                       "  port = 6000\n"  // indented: still its own key
                                       "    query_timeout=100\n"
                                       "conninfo = host=a dbname=b ; inline comment\n"
                                       "log-level = debug\n"
                                       "log-level = notice\n"  // the last one wins
                                       "\n"
                                       "[daemon]\n"
                                       "something = 1\r\n");
    const auto sections = load_pgwarden_ini(path);
    REQUIRE(sections.count("probe") == 1);
    const auto& probe = sections.at("probe");
    CHECK(probe.at("listen").value == "127.0.0.1");
    CHECK(probe.at("listen").line == 4);
    CHECK(probe.at("listen").file == path);
    CHECK(probe.at("port").value == "6000");
    CHECK(probe.at("port").line == 5);
    CHECK(probe.at("query-timeout").value == "100");
    CHECK(probe.count("query_timeout") == 0);
    CHECK(probe.at("conninfo").value == "host=a dbname=b");
    CHECK(probe.at("log-level").value == "notice");
    CHECK(probe.at("log-level").line == 9);
    CHECK(sections.at("daemon").at("something").value == "1");
    CHECK(sections.at("daemon").at("something").line == 12);
}

TEST_CASE("malformed INI files are reported with file and line") {
    TempDir dir;
    struct Case {
        std::string text;
        std::string message;  // after "<path>:"
    };
    const std::vector<Case> cases = {
        {"[probe]\nport = 1\njust words\n",
         "3: syntax error (expected [section], name = value, or a comment starting with ; or #)"},
        {"[probe\n[probe]\nport = 1\n",
         "1: syntax error (expected [section], name = value, or a comment starting with ; or #)"},
        {"port = 1\n[probe]\n",
         "1: \"port\" is outside any section; put it under [probe], [daemon] or [cli]"},
        {"[prob]\nport = 1\nlisten = *\n",
         "2: unknown section [prob] (pgwarden.ini has [probe], [daemon] and [cli])"},
        {"[probe]\nconninfo = " + std::string(190, 'x') + "\n",
         "2: line is 201 characters long; the INI reader takes at most 197"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(error_of(dir.write("bad.ini", c.text)) == dir.path("bad.ini") + ":" + c.message);
    }
    CHECK(error_of(dir.path("missing.ini")) ==
          dir.path("missing.ini") + ": could not open: No such file or directory");
}

TEST_CASE("a line of exactly the limit is read whole") {
    TempDir dir;
    const std::string key_and_space = "conninfo = ";
    const std::string value(kMaxIniLineLength - key_and_space.size(), 'v');
    const auto sections =
        load_pgwarden_ini(dir.write("ok.ini", "[probe]\n" + key_and_space + value + "\r\n"));
    CHECK(sections.at("probe").at("conninfo").value == value);
}

TEST_CASE("INI values fill in what the command line left at its defaults") {
    TempDir dir;
    const auto sections = load_pgwarden_ini(dir.write("p.ini",
                                                      "[probe]\n"
                                                      "port = 6000\n"
                                                      "listen = 10.0.0.1\n"
                                                      "query_timeout = 150\n"
                                                      "conninfo = host=/run/postgresql\n"
                                                      "verbose = yes\n"));
    ProbeLikeOptions options;
    auto vm = options.command_line({"--port", "7000"});
    merge_ini_section(options.desc, vm, sections.at("probe"));
    po::notify(vm);
    CHECK(vm["port"].as<unsigned short>() == 7000);  // the command line wins
    CHECK(vm["listen"].as<std::string>() == "10.0.0.1");
    CHECK_FALSE(vm["listen"].defaulted());
    CHECK(vm["conninfo"].as<std::string>() == "host=/run/postgresql");
    CHECK(vm["max-connections"].as<unsigned>() == 512);  // neither: the default
    CHECK(options.query_timeout == 150);                 // notify() stores into bound variables
    CHECK(options.verbose);
}

TEST_CASE("a flag in the INI file takes a boolean word") {
    TempDir dir;
    ProbeLikeOptions options;
    auto vm = options.command_line({});
    merge_ini_section(
        options.desc, vm,
        load_pgwarden_ini(dir.write("f.ini", "[probe]\nverbose = off\n")).at("probe"));
    po::notify(vm);
    CHECK_FALSE(options.verbose);

    auto vm2 = options.command_line({});
    CHECK_THROWS_WITH(
        merge_ini_section(
            options.desc, vm2,
            load_pgwarden_ini(dir.write("g.ini", "[probe]\nverbose = sure\n")).at("probe")),
        dir.path("g.ini") +
            ":2: invalid value \"sure\" for \"verbose\" (expected on/off, true/false, yes/no or "
            "1/0)");
}

TEST_CASE("unknown keys and bad values in the INI file name file and line") {
    TempDir dir;
    const std::string path =
        dir.write("bad.ini", "[probe]\nport = many\nlisten = ::1\nquery-timout = 5\n");
    ProbeLikeOptions options;
    auto vm = options.command_line({});
    try {
        merge_ini_section(options.desc, vm, load_pgwarden_ini(path).at("probe"));
        FAIL("no error");
    } catch (const ConfigError& e) {
        const std::string message = e.what();
        CHECK_THAT(message, Catch::Contains(path + ":2: the argument ('many') for option 'port' is "
                                                   "invalid"));
        CHECK_THAT(message, Catch::Contains(path + ":4: unknown setting \"query-timout\" (not an "
                                                   "option of this program)"));
        CHECK(e.problems().size() == 2);
    }
}

TEST_CASE("the shipped etc/pgwarden.ini reads and merges cleanly") {
    const std::string path = (source_dir() / "etc/pgwarden.ini").string();
    const auto sections = load_pgwarden_ini(path);
    REQUIRE(sections.count("probe") == 1);
    REQUIRE(sections.count("daemon") == 1);
    CHECK(sections.size() == 2);  // [cli] is commented out
    const auto& probe = sections.at("probe");
    CHECK(probe.at("listen").value == "*");
    CHECK(probe.at("port").value == "5445");
    CHECK(probe.at("query-timeout").value == "2000");
    CHECK(probe.count("conninfo") == 0);

    // The real programs take every key of their sections.
    const char* argv[] = {"pgwarden-probe", "--ini", path.c_str(), "--conninfo", "host=/tmp"};
    const auto parsed = pgwarden::probe::parse_command_line(5, argv);
    REQUIRE(parsed.settings);
    CHECK(parsed.settings->port == 5445);
    CHECK(parsed.settings->lease.mode == pgwarden::failover::FencingMode::auto_);
    const auto fencing = pgwarden::daemon::load_fencing_settings(path);
    CHECK(fencing.fence.action == pgwarden::failover::FenceAction::read_only);
    CHECK(fencing.fence.timeout == std::chrono::seconds(10));
}
