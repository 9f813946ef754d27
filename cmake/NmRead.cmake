# include()d by the -P scripts CheckFreestanding.cmake and CheckSymbols.cmake.
#
# kk_nm_read(<out-var> <tool> <nm> <archive> [nm flags...])
# Runs `<nm> -A -P [flags] <archive>` and sets <out-var> to a list of
# "<symbol>|<type>|<object>" entries, one per symbol line; fails naming <tool>
# when nm does.
function(kk_nm_read out tool nm archive)
  execute_process(COMMAND ${nm} -A -P ${ARGN} ${archive}
                  OUTPUT_VARIABLE text RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${tool}: ${nm} failed on ${archive}: ${err}")
  endif()
  string(REPLACE "\n" ";" lines "${text}")
  set(entries "")
  foreach(line IN LISTS lines)
    # POSIX format with -A: "archive[object]: symbol TYPE [value size]"
    if(line MATCHES "^(.*): ([^ ]+) ([A-Za-z]) ?")
      get_filename_component(where "${CMAKE_MATCH_1}" NAME)
      list(APPEND entries "${CMAKE_MATCH_2}|${CMAKE_MATCH_3}|${where}")
    endif()
  endforeach()
  set(${out} "${entries}" PARENT_SCOPE)
endfunction()
