# The sanitized clang tree of the suite (PGWARDEN_FUZZ_TESTS): build/fuzz (build_tree.sh: ASan,
# UBSan and libFuzzer) holds the fuzz targets and unit_tests. Then a bounded run of each fuzzer
# from its corpus, and the whole unit suite under ASan and UBSan (the integration tests run
# sanitized too with PGWARDEN_SANITIZE=1 scripts/test, which takes longer than CI may).
# Included from test/CMakeLists.txt; the tree reads test/fuzz/CMakeLists.txt.
set(fuzz_tree ${CMAKE_BINARY_DIR}/fuzz)
set(build_test "fuzz: the libFuzzer targets and the unit tests build with clang, ASan and UBSan")
# COST: ctest starts the build early, beside the integration tests.
add_test(NAME ${build_test}
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/build_tree.sh ${CMAKE_SOURCE_DIR} ${fuzz_tree}
                 "${CMAKE_CXX_COMPILER_LAUNCHER}" fuzz_suite_targets)
set_tests_properties(${build_test} PROPERTIES LABELS fuzz TIMEOUT 900 COST 8000
                                              FIXTURES_SETUP pgwarden_fuzz_tree)

# halt_on_error: the first report fails the run; leaks are reported at exit.
set(fuzz_environment "ASAN_OPTIONS=halt_on_error=1:detect_leaks=1"
                     "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
# Runs per fuzzer: 13 to 17 seconds each on this machine at the tree's -O0, from
# seed 1, so that every CI run tries the same inputs (run.sh says how to explore further).
set(fuzz_runs_pg_conf_fuzz 20000)
set(fuzz_runs_probe_route_fuzz 100000)
set(fuzz_runs_conninfo_mask_fuzz 100000)
foreach(fuzzer ${PGWARDEN_FUZZ_TARGETS})
  set(runs ${fuzz_runs_${fuzzer}})
  if(NOT runs)
    message(FATAL_ERROR "fuzz/suite.cmake: set fuzz_runs_${fuzzer}, the runs of its suite test")
  endif()
  set(fuzz_test "fuzz: ${fuzzer} finds nothing in ${runs} inputs from its corpus and seed 1")
  add_test(NAME ${fuzz_test}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run.sh ${fuzz_tree}/test/fuzz/${fuzzer}
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${fuzzer} ${fuzz_tree}/runs/${fuzzer}
                   ${runs} 1)
  set_tests_properties(${fuzz_test} PROPERTIES LABELS fuzz TIMEOUT 120 COST 6000
                                               FIXTURES_REQUIRED pgwarden_fuzz_tree
                                               ENVIRONMENT "${fuzz_environment}")
endforeach()

# One process for all the unit tests (ctest's one per case would start ASan 500 times); a
# memory error, a leak at exit or undefined behaviour aborts it and fails the test.
set(sanitized_unit_test "sanitizers: every unit test passes under ASan and UBSan (clang tree)")
add_test(NAME ${sanitized_unit_test}
         COMMAND ${fuzz_tree}/test/unit_tests --warn NoTests)
set_tests_properties(${sanitized_unit_test} PROPERTIES LABELS fuzz TIMEOUT 300 COST 5000
                                                       FIXTURES_REQUIRED pgwarden_fuzz_tree
                                                       ENVIRONMENT "${fuzz_environment}")
