// Robustness: mutated repmgr.conf files either parse or fail with a ConfigError naming a file.
#include "config/pg_conf_parser.hpp"
#include "config/repmgr_config.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace pgwarden::config;
using pgwarden::test::TempDir;

namespace {

// Valid files to mutate: a typical node, the grammar's corners, and includes. The generator is
// seeded, so a failure replays.
const std::vector<std::string>& fuzz_bases() {
    static const std::vector<std::string> bases = {
        "node_id=1\n"
        "node_name='node1'\n"
        "conninfo='host=node1 user=repmgr dbname=repmgr connect_timeout=2'\n"
        "data_directory='/var/lib/postgresql/15/main'\n"
        "failover=automatic\n"
        "promote_command='/usr/bin/repmgr standby promote -f /etc/repmgr.conf --log-to-file'\n"
        "follow_command='/usr/bin/repmgr standby follow -f /etc/repmgr.conf --log-to-file "
        "--upstream-node-id=%n'\n"
        "reconnect_attempts=6\nreconnect_interval=10\nlog_level='INFO'\n",
        "# comment\n\tpriority = 100 # trailing\nlocation dc1\nx = 'it''s \\'quoted\\' \\101'\n"
        "y = -0x1Fkb\nz = 1.5e-3\nw = a.b.c\nv = host-1:5432/db\r\n",
        "node_id = 2\ninclude 'sub.conf'\ninclude_if_exists 'maybe.conf'\ninclude_dir 'conf.d'\n"
        "node_name = 'n2'\n",
    };
    return bases;
}

std::string mutate(std::string text, std::mt19937& rng) {
    static const std::string kSpecials = "'\"#=\n\\ \t\r.-/0x";
    auto pick = [&rng](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n)(rng);
    };
    const std::size_t count = 1 + pick(3);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t pos = text.empty() ? 0 : pick(text.size() - 1);
        switch (pick(5)) {
            case 0:  // flip a byte to anything
                if (!text.empty())
                    text[pos] = static_cast<char>(pick(255));
                break;
            case 1:
            case 2:  // insert a character the grammar cares about
                text.insert(text.begin() + static_cast<std::ptrdiff_t>(pos),
                            kSpecials[pick(kSpecials.size() - 1)]);
                break;
            case 3:  // delete one
                if (!text.empty())
                    text.erase(pos, 1);
                break;
            case 4:  // truncate
                text.resize(pos);
                break;
            default:  // duplicate a slice
                text.insert(pos, text.substr(pick(text.size()), pick(40)));
                break;
        }
    }
    return text;
}

}  // namespace

TEST_CASE("20000 mutated files either parse or fail with a ConfigError naming the file") {
    TempDir dir;
    dir.write("sub.conf", "priority = 50\nlocation = 'dc2'\n");
    dir.write("conf.d/10-a.conf", "monitor_interval_secs = 3\n");
    dir.write("conf.d/20-b.conf", "reconnect_interval = 4\n");
    const std::string main = dir.path("main.conf");

    std::mt19937 rng(20240601);
    int parsed_ok = 0;
    int rejected = 0;
    ParseOptions collect;
    collect.collect_errors = true;
    for (int i = 0; i < 20000; ++i) {
        const auto& base = fuzz_bases()[static_cast<std::size_t>(i) % fuzz_bases().size()];
        const std::string text = mutate(base, rng);
        INFO("iteration " << i << " text: " << text);
        // Text in memory named as main.conf (its includes are real files); every 50th
        // iteration goes through a real file too.
        const bool via_file = i % 50 == 0;
        if (via_file)
            dir.write("main.conf", text);
        try {
            if (via_file)
                parse_pg_conf_file(main);
            else
                parse_pg_conf_text(text, main);
            ++parsed_ok;
        } catch (const ConfigError& e) {
            ++rejected;
            CHECK_THAT(e.what(), Catch::StartsWith(dir.path()));
        }
        // The typed layer gets the same input and may only throw ConfigError as well.
        try {
            build_repmgr_config(parse_pg_conf_text(text, main, collect), main);
        } catch (const ConfigError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith(dir.path()));
        }
    }
    CHECK(parsed_ok > 1000);
    CHECK(rejected > 1000);
}
