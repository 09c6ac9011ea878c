#!/usr/bin/env bash
# A bounded fuzz run for the suite: FUZZER for SECONDS from the repository's corpus. New inputs go
# to WORK_DIR (libFuzzer writes to its first corpus directory, which must not be the source
# tree), a crash, leak or timeout leaves its input there too and fails the test.
# Usage: run.sh FUZZER CORPUS_DIR WORK_DIR SECONDS
set -euo pipefail
fuzzer=$1 corpus=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/findings"
# -timeout: one input taking over 10 s is a finding (a hang, or the lexer's old quadratic path);
# -print_final_stats: how many inputs the run tried, in the test's output.
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/findings/" "$work/corpus" "$corpus"
