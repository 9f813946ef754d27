# check_up_atomics.cmake: the KK_SYNC_UP spinlocks are guards plus a plain
# flag, so their objects must contain no atomic read-modify-write. Run as
#   cmake -DOBJDUMP=<objdump> -DUP_OBJS=<a|b|...> -DSMP_OBJS=<a|b|...> -P check_up_atomics.cmake
# Checks spin.c and waitq.c of the UP variant for x86 lock-prefixed/xchg and
# riscv/aarch64 atomic instructions, and (so the check can fail) that the same
# objects of the SMP library do contain some.
set(pattern "(^|[ \t])(lock |xchg|cmpxchg|amo[a-z]+\\.|lr\\.[wd]|sc\\.[wd]|ldaxr|stlxr|ldxr|stxr|cas[a-z]*[ \t]|swp[a-z]*[ \t]|ldadd)")

function(count_atomics objs out)
  string(REPLACE "|" ";" objs "${objs}")
  set(n 0)
  foreach(o IN LISTS objs)
    if(NOT o MATCHES "/(spin|waitq)\\.c\\.o(bj)?$")
      continue()
    endif()
    execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn ${o} OUTPUT_VARIABLE dis RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "objdump failed on ${o}")
    endif()
    string(REPLACE "\n" ";" lines "${dis}")
    foreach(l IN LISTS lines)
      if(l MATCHES "^ *[0-9a-f]+:" AND l MATCHES "${pattern}")
        math(EXPR n "${n} + 1")
        message(STATUS "${o}: ${l}")
      endif()
    endforeach()
  endforeach()
  set(${out} ${n} PARENT_SCOPE)
endfunction()

count_atomics("${UP_OBJS}" up)
if(NOT up EQUAL 0)
  message(FATAL_ERROR "KK_SYNC_UP spin/waitq objects contain ${up} atomic instruction(s) (listed above)")
endif()
count_atomics("${SMP_OBJS}" smp)
if(smp EQUAL 0)
  message(FATAL_ERROR "the SMP objects show no atomics: the pattern is broken")
endif()
message(STATUS "UP objects: 0 atomic instructions (SMP objects: ${smp})")
