// pgwarden's own settings file (INI, read with inih): one section per program, keys named like
// that program's long options, merged under its command line.
#pragma once

#include "config/config_error.hpp"

#include <boost/program_options.hpp>

#include <map>
#include <string>

namespace pgwarden::config {

inline constexpr const char* kDefaultPgwardenIni = "/etc/pgwarden/pgwarden.ini";

// The sections a pgwarden.ini may have: pgwarden-probe, pgwardend, pgwarden.
inline constexpr const char* kPgwardenIniSections[] = {"probe", "daemon", "cli"};

// inih hands lines to us in a buffer of this size (its compiled-in INI_MAX_LINE), so a longer
// line cannot be read whole; it is reported as an error instead of being split silently.
inline constexpr std::size_t kMaxIniLineLength = 197;

struct IniValue {
    std::string value;
    std::string file;
    int line = 0;
};
using IniSection = std::map<std::string, IniValue>;  // key ('_' written as '-') -> value

// Reads `path`. Keys are stored with '_' turned into '-', so `query_timeout` and
// `query-timeout` are the same key; a repeated key: the last one wins. Throws ConfigError
// ("file:line: ...") on a syntax error, a key outside a section, an unknown section or a line
// longer than kMaxIniLineLength; ("file: could not open: ...") if it cannot be read.
std::map<std::string, IniSection> load_pgwarden_ini(const std::string& path);

// Stores each value of `section` into `vm` unless the command line already gave that option
// (values from defaults are replaced). Call po::notify(vm) afterwards. Throws ConfigError
// "file:line: ..." for a key that is not an option of `desc` or a value it rejects.
void merge_ini_section(const boost::program_options::options_description& desc,
                       boost::program_options::variables_map& vm, const IniSection& section);

}  // namespace pgwarden::config
