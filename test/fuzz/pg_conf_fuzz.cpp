// libFuzzer entry point for the repmgr.conf reader (grammar + typed settings). Built with clang
// (-DPGWARDEN_FUZZ=ON, the default with clang); the suite runs it for a few seconds from
// test/fuzz/corpus/pg_conf_fuzz (test/fuzz/CMakeLists.txt). A longer run, in a clang build tree:
//
//   mkdir -p /tmp/corpus && test/fuzz/pg_conf_fuzz -max_total_time=300 /tmp/corpus \
//       <source>/test/fuzz/corpus/pg_conf_fuzz
//
// The contract under test: any input either parses or throws ConfigError whose message starts
// with the file name; nothing else escapes, nothing crashes, nothing hangs. Includes are not
// followed, so the fuzzer never touches the file system.
#include "config/config_error.hpp"
#include "config/pg_conf_parser.hpp"
#include "config/repmgr_config.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string kFile = "/fuzz/repmgr.conf";
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    pgwarden::config::ParseOptions options;
    options.follow_includes = false;
    options.collect_errors = true;
    try {
        const auto parsed = pgwarden::config::parse_pg_conf_text(text, kFile, options);
        pgwarden::config::build_repmgr_config(parsed, kFile);
    } catch (const pgwarden::config::ConfigError& e) {
        if (std::string_view(e.what()).substr(0, kFile.size()) != kFile)
            std::abort();
    }
    return 0;
}
