// The repmgr.conf grammar: tokens, values, errors with file:line, includes.
#include "config/pg_conf_lexer.hpp"
#include "config/pg_conf_parser.hpp"

#include "temp_dir.hpp"

#include <fmt/format.h>
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

std::vector<TokenKind> kinds_of(std::string_view text) {
    PgConfLexer lexer(text);
    std::vector<TokenKind> kinds;
    for (Token t = lexer.next(); t.kind != TokenKind::end_of_file; t = lexer.next())
        kinds.push_back(t.kind);
    return kinds;
}

std::string pg_conf_error_of(std::string_view text, const std::string& file = "/etc/repmgr.conf") {
    try {
        parse_pg_conf_text(text, file);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string value_of(std::string_view text) {
    const auto parsed = parse_pg_conf_text(text, "/t.conf");
    REQUIRE(parsed.entries.size() == 1);
    return parsed.entries.front().value;
}

}  // namespace

TEST_CASE("tokens follow guc-file.l: longest match, ties go to the earlier rule") {
    using K = TokenKind;
    struct Case {
        std::string_view text;
        std::vector<TokenKind> kinds;
    };
    const std::vector<Case> cases = {
        {"abc", {K::id}},
        {"a.b", {K::qualified_id}},         // ties with unquoted_string; listed first
        {"a.b.c", {K::unquoted_string}},    // longer than a.b
        {"repmgr.log", {K::qualified_id}},  // so `log_file = repmgr.log` is a syntax error
        {"host-1:5432/x", {K::unquoted_string}},
        {"42", {K::integer}},
        {"-3", {K::integer}},
        {"+3", {K::integer}},
        {"5s", {K::integer}},
        {"0x1F", {K::integer}},
        {"30min", {K::integer}},
        {"1.5", {K::real}},
        {"-.5e3", {K::real}},
        {".", {K::real}},
        {"1e5", {K::integer, K::integer}},  // "1e" then "5"
        {"'a b'", {K::string}},
        {"'it''s'", {K::string}},
        {"'it\\'s'", {K::string}},
        {"'a' 'b'", {K::string, K::string}},
        {"'abc", {K::error, K::id}},  // unterminated: the quote alone is an error
        {"\"x\"", {K::error, K::id, K::error}},
        {"/path", {K::error, K::id}},
        {"a = 1 # comment", {K::id, K::equals, K::integer}},
        {"a\nb", {K::id, K::end_of_line, K::id}},
        {"a\r\n", {K::id, K::end_of_line}},
        {"\xc3\xa9t\xc3\xa9", {K::id}},  // bytes >= 0x80 are letters
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(kinds_of(c.text) == c.kinds);
    }
}

TEST_CASE("quoted values lose their quotes and resolve escapes as PostgreSQL does") {
    struct Case {
        std::string_view quoted;
        std::string value;
    };
    const std::vector<Case> cases = {
        {"''", ""},
        {"'a b  c'", "a b  c"},
        {"'it''s'", "it's"},
        {"'it\\'s'", "it's"},
        {"'a\\\\b'", "a\\b"},
        {"'\\b\\f\\n\\r\\t'", "\b\f\n\r\t"},
        {"'\\101\\60\\0601'", "A001"},
        {"'\\q\\%'", "q%"},
        {"'%n ''%p'''", "%n '%p'"},
    };
    for (const auto& c : cases) {
        INFO(c.quoted);
        CHECK(unquote_pg_string(c.quoted) == c.value);
    }
}

TEST_CASE("a good file gives its entries in order with file and line") {
    const std::string text =
        "# repmgr.conf\n"
        "\n"
        "node_id=1\n"
        "node_name = 'node1'   # trailing comment\n"
        "  conninfo 'host=node1 user=repmgr dbname=repmgr connect_timeout=2'\n"
        "\tpriority\t=\t100\t\n"
        "location=dc1\r\n"
        "follow_command='/usr/bin/repmgr standby follow -f /etc/repmgr.conf --upstream-node-id=%n'";
    const auto parsed = parse_pg_conf_text(text, "/etc/repmgr.conf");
    REQUIRE(parsed.entries.size() == 6);
    CHECK(parsed.warnings.empty());
    const auto& e = parsed.entries;
    CHECK(e[0].name == "node_id");
    CHECK(e[0].value == "1");
    CHECK(e[0].line == 3);
    CHECK(e[0].file == "/etc/repmgr.conf");
    CHECK(e[1].value == "node1");
    CHECK(e[1].line == 4);
    CHECK(e[2].name == "conninfo");  // '=' is optional
    CHECK(e[2].value == "host=node1 user=repmgr dbname=repmgr connect_timeout=2");
    CHECK(e[3].value == "100");
    CHECK(e[4].value == "dc1");
    CHECK(e[5].value == "/usr/bin/repmgr standby follow -f /etc/repmgr.conf --upstream-node-id=%n");
    CHECK(e[5].line == 8);  // the last line needs no newline
}

TEST_CASE("names keep their case and repeated names stay in reading order") {
    const auto parsed = parse_pg_conf_text("Node_ID=1\nnode_id=2\nnode_id=3\n", "/t.conf");
    REQUIRE(parsed.entries.size() == 3);
    CHECK(parsed.entries[0].name == "Node_ID");
    CHECK(parsed.entries[2].value == "3");
}

TEST_CASE("values keep spaces inside quotes and stop at a NUL byte") {
    CHECK(value_of("x = '  spaced  out  '") == "  spaced  out  ");
    CHECK(value_of("x = 'a''b'") == "a'b");
    CHECK(value_of("x = 'a\\'b'") == "a'b");
    CHECK(value_of("x = 'before\\0after'") == "before");
    CHECK(value_of(std::string_view("x = 'be\0fore'", 13)) == "be");
    CHECK(value_of("x = 5min") == "5min");
    CHECK(value_of("x = a.b.c") == "a.b.c");
}

TEST_CASE("malformed lines are reported with file, line and what to do") {
    struct Case {
        std::string text;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"a=1\nnode_name = \"foo\"\n",
         "/etc/repmgr.conf:2: syntax error near \"\\\"foo\\\"\" (double-quoted strings are not "
         "allowed; use single quotes)"},
        {"node_name = 'abc\n",
         "/etc/repmgr.conf:1: syntax error near \"'abc\" (unterminated quoted string; a quoted "
         "value must end on the same line)"},
        {"\n\nnode_name =\n",
         "/etc/repmgr.conf:3: syntax error at end of line (parameter "
         "\"node_name\" has no value)"},
        {"node_name",
         "/etc/repmgr.conf:1: syntax error at end of line (parameter \"node_name\" "
         "has no value)"},
        {"node_id = 1 2\n",
         "/etc/repmgr.conf:1: syntax error near \"2\" (expected the end of the line after the "
         "value "
         "of \"node_id\"; a value other than a plain word or number must be in single quotes)"},
        {"conninfo = host=a user=b\n",
         "/etc/repmgr.conf:1: syntax error near \"=\" (expected the end of the line after the "
         "value of \"conninfo\"; a value other than a plain word or number must be in single "
         "quotes)"},
        {"log_file = repmgr.log\n",
         "/etc/repmgr.conf:1: syntax error near \"repmgr.log\" (a value other than a plain word or "
         "number must be in single quotes)"},
        {"log_file = /var/log/repmgr.log\n",
         "/etc/repmgr.conf:1: syntax error near \"/\" (a value other than a plain word or number "
         "must be in single quotes)"},
        {"= 9\n", "/etc/repmgr.conf:1: syntax error near \"=\" (expected a parameter name)"},
        {"'x' = 9\n", "/etc/repmgr.conf:1: syntax error near \"'x'\" (expected a parameter name)"},
        {"priority = = 9\n",
         "/etc/repmgr.conf:1: syntax error near \"=\" (a value other than a "
         "plain word or number must be in single quotes)"},
        {"x = 'tab\tand\x01'\"\n",
         "/etc/repmgr.conf:1: syntax error near \"\\\"\" (double-quoted strings are not allowed; "
         "use single quotes)"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(pg_conf_error_of(c.text) == c.message);
    }
}

TEST_CASE("every syntax error in a file is reported, one per line") {
    const std::string message = pg_conf_error_of("a = \"1\"\nb = 2\nc = 'x\nd = 4 5\n", "/r.conf");
    CHECK(message ==
          "/r.conf:1: syntax error near \"\\\"1\\\"\" (double-quoted strings are not allowed; use "
          "single quotes)\n"
          "/r.conf:3: syntax error near \"'x\" (unterminated quoted string; a quoted value must "
          "end on the same line)\n"
          "/r.conf:4: syntax error near \"5\" (expected the end of the line after the value of "
          "\"d\"; a value other than a plain word or number must be in single quotes)");
    try {
        parse_pg_conf_text("a = 1\nb = \"2\"\n", "/r.conf");
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(e.file() == "/r.conf");
        CHECK(e.line() == 2);
        CHECK(e.problems().size() == 1);
    }
}

TEST_CASE("a hopeless file stops after a hundred syntax errors") {
    std::string text;
    for (int i = 0; i < 300; ++i)
        text += "\"\n";
    try {
        parse_pg_conf_text(text, "/junk.conf");
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(e.problems().size() == static_cast<std::size_t>(kMaxSyntaxErrorsPerFile) + 1);
        CHECK(e.problems().back().reason ==
              "too many syntax errors; the rest of the file was not read");
    }
}

// Each quote of an unterminated string used to scan to the end of its line again: 200000 escaped
// quotes took 20 s of CPU at -O2, so a million would take some 8 minutes, past ctest's timeout;
// now milliseconds.
TEST_CASE("a line of a million escaped quotes is read in linear time") {
    std::string escaped;
    for (int i = 0; i < 1000000; ++i)
        escaped += "\\'";
    const std::string text =
        "unterminated = '" + escaped + "\ngood = 'after'\nquotes = '" + escaped + "'\n";
    ParseOptions options;
    options.collect_errors = true;
    const auto parsed = parse_pg_conf_text(text, "/etc/repmgr.conf", options);
    REQUIRE(parsed.errors.size() == 1);
    CHECK(parsed.errors[0].line == 1);
    CHECK_THAT(parsed.errors[0].reason, Catch::StartsWith("syntax error near \"'\\\\'"));
    CHECK_THAT(parsed.errors[0].reason,
               Catch::EndsWith("(unterminated quoted string; a quoted value "
                               "must end on the same line)"));
    REQUIRE(parsed.entries.size() == 2);
    CHECK(parsed.entries[0].name == "good");
    CHECK(parsed.entries[0].value == "after");
    CHECK(parsed.entries[1].name == "quotes");
    CHECK(parsed.entries[1].line == 3);
    CHECK(parsed.entries[1].value == std::string(1000000, '\''));
}

TEST_CASE("collect_errors returns problems instead of throwing") {
    ParseOptions options;
    options.collect_errors = true;
    const auto parsed = parse_pg_conf_text("a = 1\nb = \"2\"\nc = 3\n", "/r.conf", options);
    CHECK(parsed.entries.size() == 2);
    REQUIRE(parsed.errors.size() == 1);
    CHECK(parsed.errors[0].line == 2);
}

TEST_CASE("a file that cannot be opened is named with the reason") {
    TempDir dir;
    CHECK_THROWS_WITH(parse_pg_conf_file(dir.path("missing.conf")),
                      dir.path("missing.conf") + ": could not open: No such file or directory");
    CHECK_THROWS_WITH(parse_pg_conf_file(dir.path()),
                      dir.path() + ": could not open: Is a directory");
}

TEST_CASE("include paths are relative to the including file") {
    TempDir dir;
    dir.write("conf/extra/second.conf", "include 'third/third.conf'\npriority = 2\n");
    dir.write("conf/extra/third/third.conf", "location = 'dc3'\n");
    dir.write("conf/abs.conf", "monitor_interval_secs = 5\n");
    const std::string main =
        dir.write("conf/repmgr.conf", "node_id = 1\ninclude 'extra/second.conf'\ninclude '" +
                                          dir.path("conf/abs.conf") + "'\nnode_id = 4\n");
    const auto parsed = parse_pg_conf_file(main);
    REQUIRE(parsed.entries.size() == 5);
    CHECK(parsed.entries[0].name == "node_id");
    CHECK(parsed.entries[1].name == "location");
    CHECK(parsed.entries[1].file == dir.path("conf/extra/third/third.conf"));
    CHECK(parsed.entries[1].line == 1);
    CHECK(parsed.entries[2].name == "priority");
    CHECK(parsed.entries[2].line == 2);
    CHECK(parsed.entries[3].name == "monitor_interval_secs");
    CHECK(parsed.entries[4].value == "4");
    CHECK(parsed.entries[4].file == main);
}

TEST_CASE("include directives are case-insensitive and take any value token") {
    TempDir dir;
    dir.write("conf/p.conf", "priority = 5\n");
    // conf/p.conf is an unquoted_string; a bare p.conf would be a qualified_id, not a value
    const std::string main = dir.write("main.conf", "INCLUDE = conf/p.conf\n");
    const auto parsed = parse_pg_conf_file(main);
    REQUIRE(parsed.entries.size() == 1);
    CHECK(parsed.entries[0].value == "5");
}

TEST_CASE("a missing include is an error at the include line") {
    TempDir dir;
    const std::string main = dir.write("main.conf", "a = 1\ninclude 'nope.conf'\n");
    CHECK_THROWS_WITH(parse_pg_conf_file(main), main + ":2: could not open included file \"" +
                                                    dir.path("nope.conf") +
                                                    "\": No such file or directory");
}

TEST_CASE("a missing include_if_exists file is skipped with a warning") {
    TempDir dir;
    const std::string main =
        dir.write("main.conf", "a = 1\ninclude_if_exists 'nope.conf'\nb = 2\n");
    const auto parsed = parse_pg_conf_file(main);
    CHECK(parsed.entries.size() == 2);
    REQUIRE(parsed.warnings.size() == 1);
    CHECK(parsed.warnings[0] == main + ":2: include_if_exists: \"" + dir.path("nope.conf") +
                                    "\" does not exist; skipped (repmgr 5.3 reports this as an "
                                    "error)");

    dir.write("there.conf", "c = 3\n");
    dir.write("main2.conf", "include_if_exists 'there.conf'\n");
    CHECK(parse_pg_conf_file(dir.path("main2.conf")).entries.size() == 1);
}

TEST_CASE("include_dir reads *.conf files in byte order and skips the rest") {
    TempDir dir;
    dir.write("conf.d/b.conf", "x = 'b'\n");
    dir.write("conf.d/a.conf", "x = 'a'\n");
    dir.write("conf.d/B.conf", "x = 'B'\n");
    dir.write("conf.d/10-first.conf", "x = '10'\n");
    dir.write("conf.d/.hidden.conf", "x = 'hidden'\n");
    dir.write("conf.d/c.conf.bak", "x = 'bak'\n");
    dir.write("conf.d/notes.txt", "x = 'txt'\n");
    dir.write("conf.d/.conf", "x = 'dotconf'\n");
    fs::create_directories(dir.path("conf.d/sub.conf"));
    const std::string main = dir.write("main.conf", "include_dir 'conf.d'\n");
    const auto parsed = parse_pg_conf_file(main);
    std::vector<std::string> values;
    for (const auto& e : parsed.entries)
        values.push_back(e.value);
    CHECK(values == std::vector<std::string>{"10", "B", "a", "b"});
}

TEST_CASE("include_dir problems are errors") {
    TempDir dir;
    const std::string empty_name = dir.write("a.conf", "include_dir ''\n");
    CHECK_THROWS_WITH(parse_pg_conf_file(empty_name),
                      empty_name + ":1: include_dir needs a directory name");
    const std::string missing = dir.write("b.conf", "include_dir 'nope'\n");
    CHECK_THROWS_WITH(parse_pg_conf_file(missing),
                      Catch::Contains(missing + ":1: could not open configuration directory \""));
}

TEST_CASE("an empty include name is ignored with a warning, as repmgr ignores it") {
    const auto parsed = parse_pg_conf_text("include ''\na = 1\n", "/m.conf");
    CHECK(parsed.entries.size() == 1);
    REQUIRE(parsed.warnings.size() == 1);
    CHECK(parsed.warnings[0] == "/m.conf:1: include with an empty file name ignored");
}

TEST_CASE("include loops fail cleanly") {
    TempDir dir;
    dir.write("a.conf", "include 'b.conf'\n");
    dir.write("b.conf", "x = 1\ninclude 'a.conf'\n");
    CHECK_THROWS_WITH(parse_pg_conf_file(dir.path("a.conf")),
                      dir.path("b.conf") + ":2: include loop: \"" + dir.path("a.conf") +
                          "\" is already being read");

    const std::string self = dir.write("self.conf", "include 'self.conf'\n");
    CHECK_THROWS_WITH(parse_pg_conf_file(self), Catch::StartsWith(self + ":1: include loop"));

    dir.write("d/loop.conf", "include_dir '.'\n");
    CHECK_THROWS_WITH(parse_pg_conf_file(dir.path("d/loop.conf")), Catch::Contains("include loop"));
}

TEST_CASE("includes nest five levels deep, as in repmgr 5.3, and no deeper") {
    TempDir dir;
    for (int i = 1; i <= 7; ++i)
        // fmt, not operator+: GCC 12 -O2 misreports -Wrestrict on "lit" + std::string + "lit".
        dir.write(fmt::format("c{}.conf", i), fmt::format("include 'c{}.conf'\n", i + 1));
    dir.write("c5.conf", "deepest = 5\n");
    const std::string main = dir.write("main.conf", "include 'c1.conf'\n");
    const auto parsed = parse_pg_conf_file(main);
    REQUIRE(parsed.entries.size() == 1);
    CHECK(parsed.entries[0].value == "5");

    dir.write("c5.conf", "include 'c6.conf'\n");
    dir.write("c6.conf", "deepest = 6\n");
    CHECK_THROWS_WITH(parse_pg_conf_file(main),
                      dir.path("c5.conf") + ":1: cannot include \"" + dir.path("c6.conf") +
                          "\": includes nest more than 5 levels deep (is there an include loop?)");
}

TEST_CASE("includes can be refused for text from outside") {
    ParseOptions options;
    options.follow_includes = false;
    CHECK_THROWS_WITH(parse_pg_conf_text("include '/etc/passwd'\n", "/fuzz.conf", options),
                      "/fuzz.conf:1: \"include\" is not allowed here");
}
