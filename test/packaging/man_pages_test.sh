#!/usr/bin/env bash
# The man pages cannot drift from --help: every option (and, for pgwarden, every command) that a
# binary's --help shows is in its man page, and every option a man page describes (the line after
# each .TP) is one the binary shows.
# Usage: man_pages_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# troff source -> plain words: \- is -, font escapes and \& go.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$1"; }
# Option tokens (--long, and -X short ones at the start of an option line) in text on stdin.
long_options() { grep -oE -- '(^|[^a-zA-Z0-9-])--[a-z][a-z0-9-]*' | sed -E 's/^[^-]*//' | sort -u; }
short_options() { grep -oE -- '^ +-[a-zA-Z?](,| |$)' | sed -E 's/^ +//; s/[, ]$//' | sort -u; }

check() {  # NAME HELP_TEXT MAN_FILE
    local name=$1 help=$2 page=$3 text headings opt
    text=$(plain "$page")
    # The option headings: the line after each .TP.
    headings=$(plain "$page" | awk 'prev == ".TP" { print } { prev = $0 }')
    while read -r opt; do
        [[ -z $opt ]] && continue
        grep -qF -- "$opt" <<<"$text" || fail "$name: $opt is in --help but not in $(basename "$page")"
    done < <(long_options <<<"$help"; short_options <<<"$help")
    while read -r opt; do
        [[ -z $opt ]] && continue
        grep -qE -- "(^|[^a-zA-Z0-9-])$opt([^a-zA-Z0-9-]|$)" <<<"$help" ||
            fail "$name: $(basename "$page") describes $opt, which --help does not show"
    done < <(long_options <<<"$headings")
}

probe_help=$("$build/probe/pgwarden-probe" --help)
check pgwarden-probe "$probe_help" "$src/man/pgwarden-probe.8"
daemon_help=$("$build/daemon/pgwardend" --help)
check pgwardend "$daemon_help" "$src/man/pgwardend.8"

cli=$build/cli/pgwarden
all_help=$("$cli" --help)
commands=$(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 " " $2 } on && /^$/ { on = 0 }' <<<"$all_help")
[[ -n $commands ]] || fail "pgwarden --help lists no commands"
page_text=$(plain "$src/man/pgwarden.1")
while read -r words; do
    grep -qF "\"$words\"" <<<"$page_text" || fail "pgwarden: command \"$words\" has no section in pgwarden.1"
    # shellcheck disable=SC2086
    all_help+=$'\n'$("$cli" $words --help)
done <<<"$commands"
check pgwarden "$all_help" "$src/man/pgwarden.1"

if ((failures)); then
    echo "$failures difference(s) between --help and the man pages"
    exit 1
fi
echo "man pages match --help: pgwarden ($(wc -l <<<"$commands") commands), pgwardend, pgwarden-probe"
