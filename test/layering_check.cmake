# Layering check (cmake -DSOURCE_DIR=<repo> -P test/layering_check.cmake): headers the build's
# per-folder include roots cannot keep out, because they sit on the compiler's default path
# (Boost.Asio, Beast, the C++ and POSIX I/O headers), and the ones a wrong link would let in.
# Each rule is "<folder>|<regex on the include target>|<why>" (the regex may hold "|": the folder
# ends at the first "|", the reason starts after the last); a folder that does not exist yet
# is skipped.

string(CONCAT pure_io "libpq-fe\\.h|libpq/|boost/asio|boost/beast|^pg/|^cluster/|^exec/"
       "|^(fstream|iostream|sys/socket\\.h|netinet/.*|poll\\.h)$")
set(rules
  "failover|${pure_io}|the failover policy is pure: it decides, the daemon does the I/O"
  "model|${pure_io}|the vocabulary types are pure"
  "text|${pure_io}|text functions are pure string work"
  "log|libpq-fe\\.h|libpq/|boost/asio|^pg/|^cluster/|logging must not depend on PostgreSQL access"
  "config|libpq-fe\\.h|libpq/|^pg/|^cluster/|lib/config reads files, not servers: no libpq")

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<repository> -P layering_check.cmake")
endif()

set(violations "")
foreach(rule IN LISTS rules)
  string(FIND "${rule}" "|" first)
  string(FIND "${rule}" "|" last REVERSE)
  string(SUBSTRING "${rule}" 0 ${first} folder)
  math(EXPR pattern_start "${first} + 1")
  math(EXPR pattern_length "${last} - ${pattern_start}")
  string(SUBSTRING "${rule}" ${pattern_start} ${pattern_length} pattern)
  math(EXPR why_start "${last} + 1")
  string(SUBSTRING "${rule}" ${why_start} -1 why)

  if(NOT IS_DIRECTORY "${SOURCE_DIR}/lib/${folder}")
    continue()
  endif()
  file(GLOB_RECURSE files "${SOURCE_DIR}/lib/${folder}/*.hpp" "${SOURCE_DIR}/lib/${folder}/*.cpp")
  foreach(file IN LISTS files)
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS lines)
      if(NOT line MATCHES "#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
        continue()
      endif()
      set(header "${CMAKE_MATCH_1}")
      if(header MATCHES "${pattern}")
        file(RELATIVE_PATH shown "${SOURCE_DIR}" "${file}")
        string(APPEND violations "  ${shown}: #include ${header} (${why})\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "lib/ layering broken:\n${violations}")
endif()
message(STATUS "lib/ layering holds")
