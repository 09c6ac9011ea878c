// libFuzzer entry point for the repmgr.conf reader (grammar + typed settings). Not part of the
// CMake build; from the repository root:
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
//       -Ilib test/fuzz/pg_conf_fuzz.cpp lib/config/*.cpp lib/log/log.cpp lib/text/*.cpp \
//       -lfmt -linih -lboost_program_options -o /tmp/pg_conf_fuzz
//   mkdir -p /tmp/pg_conf_corpus && cp etc/repmgr.conf.sample /tmp/pg_conf_corpus/
//   /tmp/pg_conf_fuzz -max_total_time=300 /tmp/pg_conf_corpus
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
