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

include(${CMAKE_CURRENT_LIST_DIR}/NmRead.cmake)
set(bad 0)
set(n 0)
foreach(ar IN LISTS archives)
  if(ar STREQUAL "")
    continue()
  endif()
  math(EXPR n "${n} + 1")
  kk_nm_read(entries check-symbols ${NM} ${ar} -g --defined-only)
  foreach(entry IN LISTS entries)
    string(REPLACE "|" ";" parts "${entry}")
    list(GET parts 0 sym)
    list(GET parts 1 type)
    list(GET parts 2 where)
    if(type STREQUAL "U" OR sym MATCHES "${allowed_re}")
      continue()
    endif()
    message("check-symbols: error: ${where} defines global '${sym}', which is not kk_-prefixed")
    math(EXPR bad "${bad} + 1")
  endforeach()
endforeach()
if(bad GREATER 0)
  message(FATAL_ERROR "check-symbols: ${bad} global symbol(s) outside the kk_ namespace")
endif()
message(STATUS "check-symbols: ${n} archive(s) clean")
