# cmake -DNM=<nm> -DLIST=<file with one archive per line> -P CheckSymbols.cmake
#
# Lists the global symbols every archive defines and fails, naming symbol and
# object, for any that is not kk_-prefixed. A kernel that links kernkit
# statically shares one symbol namespace with it: an internal helper named
# `bread` or `iget` would clash with an xv6-style kernel's own. Internal
# helpers are named kk_<lib>__<name>; public functions kk_<lib>_<verb>.
# Compiler-made symbols are allowed: i386 PIC thunks and sanitizer/coverage
# instrumentation.
if(NOT NM OR NOT LIST)
  message(FATAL_ERROR "usage: cmake -DNM=<nm> -DLIST=<file> -P CheckSymbols.cmake")
endif()
file(STRINGS "${LIST}" archives)
set(allowed_re "^(kk_|__x86\\.get_pc_thunk\\.|_*(asan|tsan|ubsan|sancov|odr_asan|llvm)[._])")

set(bad 0)
set(n 0)
foreach(ar IN LISTS archives)
  if(ar STREQUAL "")
    continue()
  endif()
  math(EXPR n "${n} + 1")
  execute_process(COMMAND ${NM} -A -P -g --defined-only ${ar}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "check-symbols: ${NM} failed on ${ar}: ${err}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    # POSIX format with -A: "archive[object]: symbol TYPE [value size]"
    if(line MATCHES "^(.*): ([^ ]+) ([A-Za-z]) ?")
      set(where "${CMAKE_MATCH_1}")
      set(sym "${CMAKE_MATCH_2}")
      if(CMAKE_MATCH_3 STREQUAL "U" OR sym MATCHES "${allowed_re}")
        continue()
      endif()
      get_filename_component(where_name "${where}" NAME)
      message("check-symbols: error: ${where_name} defines global '${sym}', which is not kk_-prefixed")
      math(EXPR bad "${bad} + 1")
    endif()
  endforeach()
endforeach()
if(bad GREATER 0)
  message(FATAL_ERROR "check-symbols: ${bad} global symbol(s) outside the kk_ namespace")
endif()
message(STATUS "check-symbols: ${n} archive(s) clean")
