# cmake -DQEMU=<qemu-system-*> -DIMAGE=<elf> [-DMACHINE=a|b|...] [-DSMP=n]
#       [-DPASS_RC=n] [-DTIMEOUT=s] -P run-qemu.cmake
# Boots a test image and passes only when the guest printed KK-QEMU-PASS and
# QEMU exited with PASS_RC (default 0: the riscv64 test device or aarch64
# semihosting; x86_64's isa-debug-exit gives 33). MACHINE holds the
# machine-specific options separated by '|' (default: the riscv64
# `-machine virt -bios default`); -smp, -m 128M, the serial console on stdio
# and -kernel IMAGE are added.
if(NOT EXISTS "${IMAGE}")
  message(FATAL_ERROR "run-qemu: image ${IMAGE} not built")
endif()
if(NOT SMP)
  set(SMP 1)
endif()
if(NOT TIMEOUT)
  set(TIMEOUT 60)
endif()
if(NOT DEFINED PASS_RC)
  set(PASS_RC 0)
endif()
if(NOT MACHINE)
  set(MACHINE "-machine|virt|-bios|default")
endif()
string(REPLACE "|" ";" machine_args "${MACHINE}")
math(EXPR limit "${TIMEOUT} - 5")
execute_process(
  COMMAND ${QEMU} ${machine_args} -m 128M -smp ${SMP}
          -display none -serial stdio -monitor none -no-reboot -kernel ${IMAGE}
  TIMEOUT ${limit}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(err)
  message("qemu stderr: ${err}")
endif()
if(NOT rc STREQUAL "${PASS_RC}")
  message(FATAL_ERROR "run-qemu: QEMU exit status '${rc}' (pass needs ${PASS_RC})")
endif()
if(NOT out MATCHES "KK-QEMU-PASS")
  message(FATAL_ERROR "run-qemu: no KK-QEMU-PASS marker in the guest output")
endif()
message(STATUS "run-qemu: pass")
