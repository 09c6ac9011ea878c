// shell_words: a command line /bin/sh splits into exactly the words given (the remote commands
// standby promote --siblings-follow and switchover send over SSH), checked by running /bin/sh.
#include "exec/shell.hpp"
#include "exec/shell_quote.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using namespace pgwarden::exec;
using namespace std::chrono_literals;

TEST_CASE("/bin/sh reads a shell_words line as exactly its words", "[exec]") {
    pgwarden::test::TempDir dir("words");
    const std::string marker = dir.path("x");
    const std::vector<std::string> hostile = {
        "plain",
        "",
        "two words",
        "it's",
        "'\\''",
        "\"double\"",
        "$(touch " + marker + ")",
        "`touch " + marker + "`",
        "; touch " + marker,
        "a\nb",
        "*",
        "~",
        "-f",
        "--",
        "host=a password='x y' dbname=b",
        "/etc/my repmgr's.conf",
        "\\",
        "$HOME ${HOME} %n &",
    };
    std::vector<std::string> words = {"printf", "<%s>\\n"};
    std::string expected;
    for (const auto& word : hostile) {
        words.push_back(word);
        expected += "<" + word + ">\n";
    }
    const auto outcome = run_shell(shell_words(words), 5s);
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.output == expected);
    CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("shell_words leaves harmless words bare and quotes the rest", "[exec]") {
    CHECK(shell_words({"/usr/bin/pgwarden", "-f", "/etc/repmgr.conf", "standby", "follow"}) ==
          "/usr/bin/pgwarden -f /etc/repmgr.conf standby follow");
    CHECK(shell_words({"pgwarden", "-f", "/etc/a b.conf", ""}) == "pgwarden -f '/etc/a b.conf' ''");
    CHECK(shell_words({"it's"}) == "'it'\\''s'");
}

// Bare, "x=y/prog" would be an assignment with no command, which succeeds doing nothing.
TEST_CASE("a first word with '=' is a command, not an assignment", "[exec]") {
    const auto outcome = run_shell(shell_words({"x=y/no-such-program", "arg"}), 5s);
    CHECK(outcome.exit_code == 127);
    CHECK(shell_words({"echo", "a=b"}) == "echo a=b");
}
