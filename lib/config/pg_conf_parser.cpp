#include "config/pg_conf_parser.hpp"

#include "config/pg_conf_lexer.hpp"

#include "text/ascii.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

namespace pgwarden::config {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Reading files

struct FileText {
    std::optional<std::string> text;  // nullopt: could not read, see error/reason
    int error = 0;                    // errno when there is one
    std::string reason;
};

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

FileText failed(int error, std::string reason) {
    return FileText{std::nullopt, error, std::move(reason)};
}

// O_NONBLOCK so that naming a FIFO cannot hang start-up; only regular files are read.
FileText read_config_file(const std::string& path) {
    Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
    if (file.fd < 0)
        return failed(errno, std::strerror(errno));
    struct stat info {};
    if (::fstat(file.fd, &info) != 0)
        return failed(errno, std::strerror(errno));
    if (S_ISDIR(info.st_mode))
        return failed(EISDIR, std::strerror(EISDIR));
    if (!S_ISREG(info.st_mode))
        return failed(EINVAL, "not a regular file");

    std::string text;
    char buffer[8192];
    for (;;) {
        const ssize_t got = ::read(file.fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return failed(errno, std::strerror(errno));
        if (got == 0)
            break;
        text.append(buffer, static_cast<std::size_t>(got));
        if (text.size() > kMaxConfigFileBytes)
            return failed(EFBIG, fmt::format("larger than {} bytes", kMaxConfigFileBytes));
    }
    return FileText{std::move(text), 0, {}};
}

// The identity used to spot include loops: symlinks resolved where the file exists.
std::string file_identity(const std::string& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    if (ec)
        canonical = fs::absolute(path, ec).lexically_normal();
    return canonical.string();
}

// As PostgreSQL: absolute stays, relative is taken from the including file's directory.
std::string resolve_include(const std::string& including_file, const std::string& location) {
    const fs::path target(location);
    if (target.is_absolute())
        return target.lexically_normal().string();
    return (fs::path(including_file).parent_path() / target).lexically_normal().string();
}

using text::iequals;
using text::is_blank;

// ---------------------------------------------------------------------------------------------
// Messages

std::string_view rest_of_line(std::string_view text, const Token& token) {
    const auto start = static_cast<std::size_t>(token.text.data() - text.data());
    std::string_view rest = text.substr(start);
    rest = rest.substr(0, rest.find('\n'));
    while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ' || rest.back() == '\t'))
        rest.remove_suffix(1);
    return rest;
}

// "near X (why)" for a token the grammar did not expect. `where` says what was expected.
std::string syntax_error(std::string_view text, const Token& token, std::string_view where) {
    if (token.kind == TokenKind::end_of_line || token.kind == TokenKind::end_of_file)
        return fmt::format("syntax error at end of line ({})", where);
    if (token.kind == TokenKind::error && token.text == "\"") {
        std::string_view rest = rest_of_line(text, token);
        const auto close = rest.find('"', 1);
        if (close != std::string_view::npos)
            rest = rest.substr(0, close + 1);
        return fmt::format(
            "syntax error near {} (double-quoted strings are not allowed; use single quotes)",
            quote_for_message(rest));
    }
    if (token.kind == TokenKind::error && token.text == "'") {
        return fmt::format(
            "syntax error near {} (unterminated quoted string; a quoted value must end on the "
            "same line)",
            quote_for_message(rest_of_line(text, token)));
    }
    return fmt::format("syntax error near {} ({})", quote_for_message(token.text), where);
}

bool is_value_token(TokenKind kind) {
    return kind == TokenKind::id || kind == TokenKind::string || kind == TokenKind::integer ||
           kind == TokenKind::real || kind == TokenKind::unquoted_string;
}

constexpr std::string_view kQuoteHint =
    "a value other than a plain word or number must be in single quotes";

// ---------------------------------------------------------------------------------------------
// The grammar and the include directives

struct Origin {
    const std::string& file;
    int line;
};

class Parser {
  public:
    explicit Parser(const ParseOptions& options) : options_(options) {}

    void parse_top(std::string_view text, const std::string& file) {
        open_files_.push_back(file_identity(file));
        parse_text(text, file, 0);
        open_files_.pop_back();
    }

    ParsedConfig finish() && {
        if (!errors_.empty() && !options_.collect_errors)
            throw ConfigError(std::move(errors_));
        result_.errors = std::move(errors_);
        return std::move(result_);
    }

  private:
    void error(const std::string& file, int line, std::string reason) {
        errors_.push_back(ConfigProblem{file, line, std::move(reason)});
    }

    void parse_text(std::string_view text, const std::string& file, int depth) {
        PgConfLexer lexer(text);
        int syntax_errors = 0;
        for (Token token = lexer.next(); token.kind != TokenKind::end_of_file;
             token = lexer.next()) {
            if (token.kind == TokenKind::end_of_line)
                continue;
            const int line = token.line;
            std::string name;
            std::string value;
            if (auto problem = read_setting(lexer, text, token, name, value)) {
                error(file, token.line, std::move(*problem));
                if (++syntax_errors >= kMaxSyntaxErrorsPerFile) {
                    error(file, token.line,
                          "too many syntax errors; the rest of the file was not read");
                    return;
                }
                // As guc-file.l: skip the rest of the line and go on with the next one.
                while (token.kind != TokenKind::end_of_line && token.kind != TokenKind::end_of_file)
                    token = lexer.next();
            } else {
                handle_entry(std::move(name), std::move(value), file, line, depth);
            }
            if (token.kind == TokenKind::end_of_file)
                break;
        }
    }

    // One `name [=] value` line, starting at `token` (its name). On return `token` is the end of
    // the line, or the token that broke the rule; the problem, if any, is returned.
    static std::optional<std::string> read_setting(PgConfLexer& lexer, std::string_view text,
                                                   Token& token, std::string& name,
                                                   std::string& value) {
        if (token.kind != TokenKind::id && token.kind != TokenKind::qualified_id)
            return syntax_error(text, token, "expected a parameter name");
        name = std::string(token.text);
        token = lexer.next();
        if (token.kind == TokenKind::equals)
            token = lexer.next();
        if (token.kind == TokenKind::end_of_line || token.kind == TokenKind::end_of_file)
            return syntax_error(text, token, fmt::format("parameter \"{}\" has no value", name));
        if (!is_value_token(token.kind))
            return syntax_error(text, token, kQuoteHint);
        value = token.kind == TokenKind::string ? unquote_pg_string(token.text)
                                                : std::string(token.text);
        // A NUL byte (written, or made by a '\0' escape) ends the value, as in C.
        value.resize(std::min(value.size(), value.find('\0')));
        token = lexer.next();
        if (token.kind != TokenKind::end_of_line && token.kind != TokenKind::end_of_file) {
            return syntax_error(text, token,
                                fmt::format("expected the end of the line after the value of "
                                            "\"{}\"; {}",
                                            name, kQuoteHint));
        }
        return std::nullopt;
    }

    void handle_entry(std::string name, std::string value, const std::string& file, int line,
                      int depth) {
        const bool is_include = iequals(name, "include");
        const bool is_include_if_exists = iequals(name, "include_if_exists");
        const bool is_include_dir = iequals(name, "include_dir");
        if (!is_include && !is_include_if_exists && !is_include_dir) {
            result_.entries.push_back(ConfigEntry{std::move(name), std::move(value), file, line});
            return;
        }
        if (!options_.follow_includes) {
            error(file, line, fmt::format("\"{}\" is not allowed here", name));
            return;
        }
        const Origin from{file, line};
        if (is_blank(value)) {
            if (is_include_dir)
                error(file, line, "include_dir needs a directory name");
            else
                result_.warnings.push_back(ConfigProblem{
                    file, line, fmt::format("{} with an empty file name ignored", name)}
                                               .to_string());
            return;
        }
        const std::string target = resolve_include(file, value);
        if (is_include_dir)
            parse_dir(target, depth + 1, from);
        else
            parse_file(target, depth + 1, from, is_include_if_exists);
    }

    bool too_deep(const std::string& target, int depth, const Origin& from) {
        if (depth <= kMaxIncludeDepth)
            return false;
        error(from.file, from.line,
              fmt::format("cannot include \"{}\": includes nest more than {} levels deep (is there "
                          "an include loop?)",
                          target, kMaxIncludeDepth));
        return true;
    }

    void parse_file(const std::string& path, int depth, const Origin& from, bool missing_ok) {
        if (too_deep(path, depth, from))
            return;
        const std::string identity = file_identity(path);
        if (std::find(open_files_.begin(), open_files_.end(), identity) != open_files_.end()) {
            error(from.file, from.line,
                  fmt::format("include loop: \"{}\" is already being read", path));
            return;
        }
        FileText read = read_config_file(path);
        if (!read.text) {
            if (missing_ok && (read.error == ENOENT || read.error == ENOTDIR)) {
                result_.warnings.push_back(
                    ConfigProblem{from.file, from.line,
                                  fmt::format("include_if_exists: \"{}\" does not exist; skipped "
                                              "(repmgr 5.3 reports this as an error)",
                                              path)}
                        .to_string());
            } else {
                error(from.file, from.line,
                      fmt::format("could not open included file \"{}\": {}", path, read.reason));
            }
            return;
        }
        open_files_.push_back(identity);
        parse_text(*read.text, path, depth);
        open_files_.pop_back();
    }

    // Only "*.conf" files not starting with '.', in byte order of their names, as PostgreSQL.
    void parse_dir(const std::string& dir, int depth, const Origin& from) {
        if (too_deep(dir, depth, from))
            return;
        std::vector<std::string> files;
        std::error_code ec;
        for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
             it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.size() < 6 || name.front() == '.' || !name.ends_with(".conf"))
                continue;
            std::error_code stat_ec;
            const auto status = fs::status(it->path(), stat_ec);
            if (stat_ec) {
                error(from.file, from.line,
                      fmt::format("could not stat \"{}\": {}", it->path().string(),
                                  stat_ec.message()));
                return;
            }
            if (!fs::is_directory(status))
                files.push_back(it->path().string());
        }
        if (ec) {
            error(from.file, from.line,
                  fmt::format("could not open configuration directory \"{}\": {}", dir,
                              ec.message()));
            return;
        }
        std::sort(files.begin(), files.end());
        for (const auto& path : files)
            parse_file(path, depth, from, false);
    }

    const ParseOptions& options_;
    ParsedConfig result_;
    std::vector<ConfigProblem> errors_;
    std::vector<std::string> open_files_;  // identities of the files being read, outermost first
};

}  // namespace

ParsedConfig parse_pg_conf_text(std::string_view text, const std::string& file,
                                const ParseOptions& options) {
    Parser parser(options);
    parser.parse_top(text, file);
    return std::move(parser).finish();
}

ParsedConfig parse_pg_conf_file(const std::string& path, const ParseOptions& options) {
    const FileText read = read_config_file(path);
    if (!read.text)
        throw ConfigError(path, 0, fmt::format("could not open: {}", read.reason));
    return parse_pg_conf_text(*read.text, path, options);
}

}  // namespace pgwarden::config
