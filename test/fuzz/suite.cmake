# The fuzz runs in the suite (PGWARDEN_FUZZ_TESTS): a clang tree of the fuzz targets alone
# (build/fuzz, build_tree.sh: ASan, UBSan and libFuzzer), then a bounded run of each fuzzer from
# its corpus. Included from test/CMakeLists.txt; the tree itself reads test/fuzz/CMakeLists.txt.
set(fuzz_tree ${CMAKE_BINARY_DIR}/fuzz)
set(build_test "fuzz: the libFuzzer targets build with clang, ASan and UBSan")
# COST: ctest starts the build early, beside the integration tests.
add_test(NAME ${build_test}
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/build_tree.sh ${CMAKE_SOURCE_DIR} ${fuzz_tree}
                 "${CMAKE_CXX_COMPILER_LAUNCHER}" ${PGWARDEN_FUZZ_TARGETS})
set_tests_properties(${build_test} PROPERTIES LABELS fuzz TIMEOUT 900 COST 8000
                                              FIXTURES_SETUP pgwarden_fuzz_tree)

# halt_on_error: the first report fails the run; leaks are reported at exit.
set(fuzz_environment "ASAN_OPTIONS=halt_on_error=1:detect_leaks=1"
                     "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
foreach(fuzzer ${PGWARDEN_FUZZ_TARGETS})
  set(fuzz_test "fuzz: ${fuzzer} finds nothing in 10 s from its corpus")
  add_test(NAME ${fuzz_test}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run.sh ${fuzz_tree}/test/fuzz/${fuzzer}
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${fuzzer} ${fuzz_tree}/runs/${fuzzer} 10)
  set_tests_properties(${fuzz_test} PROPERTIES LABELS fuzz TIMEOUT 120 COST 6000
                                               FIXTURES_REQUIRED pgwarden_fuzz_tree
                                               ENVIRONMENT "${fuzz_environment}")
endforeach()
