// Where a pasted value stands in a /bin/sh command line, and how it is quoted there.
#include "exec/shell_quote.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pgwarden::exec;

namespace {

// The context right after `prefix`.
ShellContext after(const std::string& prefix) {
    ShellContextTracker tracker;
    for (const char c : prefix)
        tracker.feed(c);
    return tracker.context();
}

}  // namespace

TEST_CASE("the tracker knows the quoting a placeholder stands in", "[exec]") {
    struct Case {
        const char* prefix;
        ShellContext expected;
    };
    const Case cases[] = {
        {"/bin/notify ", ShellContext::unquoted},
        {"echo '", ShellContext::single_quoted},
        {"echo 'a' ", ShellContext::unquoted},
        {"echo \"", ShellContext::double_quoted},
        {"echo \"it's ", ShellContext::double_quoted},
        {"echo 'say \"", ShellContext::single_quoted},
        {"echo \"a\\\"", ShellContext::double_quoted},
        {"echo \\'", ShellContext::unquoted},
        {"echo \\", ShellContext::opaque},
        {"echo $(x '", ShellContext::single_quoted},
        {"echo \"$(x ", ShellContext::unquoted},
        {"echo \"$(x) ", ShellContext::double_quoted},
        {"echo `x ", ShellContext::opaque},
        {"echo `x` ", ShellContext::unquoted},
        {"echo \"`x ", ShellContext::opaque},
        {"echo $((1+", ShellContext::opaque},
        {"echo $((1+2)) ", ShellContext::unquoted},
        {"cat <<EOF\n", ShellContext::opaque},
        {"echo # it's\n", ShellContext::unquoted},
        {"echo a#'", ShellContext::single_quoted},
    };
    for (const auto& c : cases) {
        INFO(c.prefix);
        CHECK(after(c.prefix) == c.expected);
    }
}

TEST_CASE("each context gets the quoting that keeps the value one piece of data", "[exec]") {
    CHECK(quote_for(ShellContext::unquoted, "node-2_a.b", "V") == "node-2_a.b");
    CHECK(quote_for(ShellContext::unquoted, "", "V") == "");
    CHECK(quote_for(ShellContext::unquoted, "a b", "V") == "'a b'");
    CHECK(quote_for(ShellContext::unquoted, "it's", "V") == "'it'\\''s'");
    CHECK(quote_for(ShellContext::single_quoted, "it's $x", "V") == "it'\\''s $x");
    CHECK(quote_for(ShellContext::double_quoted, "\"$x`y`\\", "V") == "\\\"\\$x\\`y\\`\\\\");
    CHECK(quote_for(ShellContext::opaque, "$(x)", "PGWARDEN_DETAILS") == "${PGWARDEN_DETAILS}");
}
