#include "config/pgwarden_ini.hpp"

#include "config/repmgr_values.hpp"

#include <fmt/format.h>
#include <ini.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace pgwarden::config {
namespace {

namespace po = boost::program_options;

// What inih's callbacks share: the text, the line being parsed and what has been found.
struct IniReadState {
    IniReadState(std::string_view text_, const std::string& file_) : text(text_), file(file_) {}

    std::string_view text;
    std::size_t pos = 0;
    int line = 0;
    const std::string& file;
    std::map<std::string, IniSection> sections;
    std::set<std::string> unknown_sections;
    std::vector<ConfigProblem> problems;
};

bool is_known_section(std::string_view name) {
    return std::find(std::begin(kPgwardenIniSections), std::end(kPgwardenIniSections), name) !=
           std::end(kPgwardenIniSections);
}

// inih's fgets-style reader, one physical line per call, so that inih's line count is ours.
// Leading blanks are removed: inih would take an indented line for the continuation of the
// previous key's value, so an indented `listen = *` under `port = 5445` would become part of
// the port.
char* read_line(char* buffer, int size, void* stream) {
    auto& state = *static_cast<IniReadState*>(stream);
    if (state.pos >= state.text.size() || size < 2)
        return nullptr;
    const std::size_t newline = state.text.find('\n', state.pos);
    const std::size_t next = newline == std::string_view::npos ? state.text.size() : newline + 1;
    std::string_view line = state.text.substr(state.pos, next - state.pos);
    state.pos = next;
    ++state.line;

    line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
    std::string_view content = line;
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r'))
        content.remove_suffix(1);
    if (content.size() > kMaxIniLineLength || line.size() + 1 > static_cast<std::size_t>(size)) {
        state.problems.push_back(
            ConfigProblem{state.file, state.line,
                          fmt::format("line is {} characters long; the INI reader takes at most {}",
                                      content.size(), kMaxIniLineLength)});
        line = "\n";
    }
    std::memcpy(buffer, line.data(), line.size());
    buffer[line.size()] = '\0';
    return buffer;
}

int on_value(void* user, const char* section, const char* name, const char* value) {
    auto& state = *static_cast<IniReadState*>(user);
    if (section[0] == '\0') {
        state.problems.push_back(ConfigProblem{
            state.file, state.line,
            fmt::format("\"{}\" is outside any section; put it under [probe], [daemon] or [cli]",
                        name)});
        return 1;
    }
    if (!is_known_section(section)) {
        if (state.unknown_sections.insert(section).second)
            state.problems.push_back(ConfigProblem{
                state.file, state.line,
                fmt::format("unknown section [{}] (pgwarden.ini has [probe], [daemon] and [cli])",
                            section)});
        return 1;
    }
    std::string key = name;
    std::replace(key.begin(), key.end(), '_', '-');
    state.sections[section].insert_or_assign(std::move(key),
                                             IniValue{value, state.file, state.line});
    return 1;
}

}  // namespace

std::map<std::string, IniSection> load_pgwarden_ini(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConfigError(path, 0, fmt::format("could not open: {}", std::strerror(errno)));
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad())
        throw ConfigError(path, 0, fmt::format("could not read: {}", std::strerror(errno)));
    const std::string text = contents.str();

    IniReadState state(text, path);
    const int first_error = ini_parse_stream(&read_line, &state, &on_value, &state);
    if (first_error > 0) {
        state.problems.push_back(ConfigProblem{
            path, first_error,
            "syntax error (expected [section], name = value, or a comment starting with ; or #)"});
    } else if (first_error < 0) {
        state.problems.push_back(ConfigProblem{path, 0, "could not be parsed (out of memory)"});
    }
    if (!state.problems.empty()) {
        std::stable_sort(
            state.problems.begin(), state.problems.end(),
            [](const ConfigProblem& a, const ConfigProblem& b) { return a.line < b.line; });
        throw ConfigError(std::move(state.problems));
    }
    return std::move(state.sections);
}

void merge_ini_section(const po::options_description& desc, po::variables_map& vm,
                       const IniSection& section) {
    std::vector<ConfigProblem> problems;
    for (const auto& [key, setting] : section) {
        const po::option_description* option = desc.find_nothrow(key, false, false, false);
        if (option == nullptr) {
            problems.push_back(ConfigProblem{
                setting.file, setting.line,
                fmt::format("unknown setting \"{}\" (not an option of this program)", key)});
            continue;
        }
        const std::string& name = option->long_name();
        if (const auto given = vm.find(name); given != vm.end() && !given->second.defaulted())
            continue;  // the command line wins

        // A flag (no value on the command line) is switched on or left off by a boolean word.
        std::vector<std::string> tokens{setting.value};
        if (option->semantic()->max_tokens() == 0) {
            const auto on = parse_repmgr_bool(setting.value);
            if (on.value && !*on.value)
                continue;
            if (!on.value) {
                problems.push_back(
                    ConfigProblem{setting.file, setting.line,
                                  fmt::format("invalid value {} for \"{}\" ({})",
                                              quote_for_message(setting.value), key, on.expected)});
                continue;
            }
            tokens.clear();
        }

        po::parsed_options parsed(&desc);
        po::option parsed_option(name, tokens);
        parsed_option.original_tokens = {key, setting.value};
        parsed.options.push_back(std::move(parsed_option));
        try {
            po::store(parsed, vm);
        } catch (const po::error& e) {
            // Boost's text names the value and the option: "the argument ('x') for option
            // 'port' is invalid".
            problems.push_back(ConfigProblem{setting.file, setting.line, e.what()});
        }
    }
    if (!problems.empty())
        throw ConfigError(std::move(problems));
}

}  // namespace pgwarden::config
