# cmake -DQEMU=<qemu-system-riscv64> -DIMAGE=<elf> [-DSMP=n] [-DTIMEOUT=s] -P run-qemu.cmake
# Boots a test image under -machine virt -bios default and passes only when the
# guest printed KK-QEMU-PASS and QEMU exited 0 through the test device.
if(NOT EXISTS "${IMAGE}")
  message(FATAL_ERROR "run-qemu: image ${IMAGE} not built")
endif()
if(NOT SMP)
  set(SMP 1)
endif()
if(NOT TIMEOUT)
  set(TIMEOUT 60)
endif()
math(EXPR limit "${TIMEOUT} - 5")
execute_process(
  COMMAND ${QEMU} -machine virt -bios default -m 128M -smp ${SMP}
          -display none -serial stdio -monitor none -no-reboot -kernel ${IMAGE}
  TIMEOUT ${limit}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(err)
  message("qemu stderr: ${err}")
endif()
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "run-qemu: QEMU exit status '${rc}' (pass needs 0 from the test device)")
endif()
if(NOT out MATCHES "KK-QEMU-PASS")
  message(FATAL_ERROR "run-qemu: no KK-QEMU-PASS marker in the guest output")
endif()
message(STATUS "run-qemu: pass")
