#!/usr/bin/env bash
# Configures and builds the sanitized clang tree: ASan + UBSan (+ libFuzzer for the fuzz targets),
# only the targets asked for: the fuzz targets (each compiles just the code it feeds,
# test/fuzz/CMakeLists.txt) and unit_tests (all of lib/ and the binaries' cores, in unity batches).
# At -O0: the suite waits for this compile, not for the runs (measured with unity batches on two
# cores: 163 s for unit_tests and the fuzzers; the unit suite then runs in 27 s, the fuzzers'
# fixed runs in 13 to 17 s each).
# Usage: build_tree.sh SOURCE_DIR TREE_DIR LAUNCHER TARGET...   (LAUNCHER: ccache or "")
set -euo pipefail
source_dir=$1 tree=$2 launcher=$3
shift 3

clangxx=$(command -v clang++) || {
    echo "clang++ is missing: scripts/setup --tests installs it (Debian's clang)" >&2
    exit 1
}
# -Werror stays with GCC, CI's compiler: clang's own warnings do not fail this tree. The tree
# needs no test suite of its own: PGWARDEN_TESTS only for test/fuzz's targets.
args=(-S "$source_dir" -B "$tree" -DCMAKE_CXX_COMPILER="$clangxx" -DCMAKE_BUILD_TYPE=Debug
      "-DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only" -DPGWARDEN_TESTS=ON -DPGWARDEN_WERROR=OFF
      -DPGWARDEN_SANITIZE=ON -DPGWARDEN_SANITIZE_OPTIMIZE=-O0 -DPGWARDEN_FUZZ=ON -DPGWARDEN_FUZZ_TESTS=OFF)
[[ -n $launcher ]] && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher")
cmake "${args[@]}" >"$tree.configure.log" 2>&1 || { cat "$tree.configure.log" >&2; exit 1; }

start=$SECONDS
cmake --build "$tree" -j"$(nproc 2>/dev/null || echo 2)" --target "$@" >"$tree.build.log" 2>&1 || {
    grep -E -B2 -A12 'error:|Error [0-9]' "$tree.build.log" | head -n 120 >&2
    echo "the sanitized clang tree did not build (all of it in $tree.build.log)" >&2
    exit 1
}
echo "built $* in $tree in $((SECONDS - start)) s"
