# cmake -DQEMU=<qemu-system-aarch64> -DIMAGE=<elf> -P run.cmake
# Boots an aarch64 test image at EL1 on -machine virt with 2 CPUs; passes only
# when the guest printed KK-QEMU-PASS and exited 0 through semihosting.
if(NOT EXISTS "${IMAGE}")
  message(FATAL_ERROR "run: image ${IMAGE} not built")
endif()
execute_process(
  COMMAND ${QEMU} -machine virt -cpu cortex-a57 -smp 2 -m 128M -display none -serial stdio
          -monitor none -no-reboot -semihosting-config enable=on,target=native -kernel ${IMAGE}
  TIMEOUT 50 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(err)
  message("qemu stderr: ${err}")
endif()
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "run: QEMU exit status '${rc}' (pass needs 0 from semihosting)")
endif()
if(NOT out MATCHES "KK-QEMU-PASS")
  message(FATAL_ERROR "run: no KK-QEMU-PASS marker in the guest output")
endif()
