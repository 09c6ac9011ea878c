#!/usr/bin/env bash
# A bounded fuzz run: FUZZER for RUNS inputs from the repository's corpus. New inputs go to
# WORK_DIR (libFuzzer writes to its first corpus directory, which must not be the source tree); a
# crash, leak or timeout leaves its input there too and fails the run.
# The suite passes SEED 1: the same inputs on every run, so a red CI run is reproducible and
# never a draw. Exploring is by hand: SEED 0 (random) and more RUNS, e.g.
#   test/fuzz/run.sh build/fuzz/test/fuzz/conninfo_mask_fuzz test/fuzz/corpus/conninfo_mask_fuzz /tmp/fz 2000000 0
# and a finding's input goes into the corpus with its fix.
# Usage: run.sh FUZZER CORPUS_DIR WORK_DIR RUNS [SEED]
set -euo pipefail
fuzzer=$1 corpus=$2 work=$3 runs=$4 seed=${5:-0}
mkdir -p "$work/corpus" "$work/findings"
# -timeout: one input taking over 10 s is a finding (a hang, or the lexer's old quadratic path);
# -max_total_time bounds the whole run on a slow machine; -print_final_stats: how many inputs
# the run tried, in the test's output.
exec "$fuzzer" -runs="$runs" -seed="$seed" -max_total_time=120 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/findings/" "$work/corpus" "$corpus"
