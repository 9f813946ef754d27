# trapframe on riscv64 QEMU: the library's own trap entry, kernel and user
# traps, Sv39 user page faults, kernel thread switches, FPU helpers.
kernkit_qemu_image(trapframe-riscv64 SOURCES trapframe_riscv64.c LIBS trapframe TIMEOUT 60)
# Two harts, each with its own per-CPU block, trapping at the same time.
kernkit_qemu_image(trapframe-smp-riscv64 SOURCES trapframe_smp_riscv64.c LIBS trapframe SMP 2
                   TIMEOUT 60)

# trapframe on x86_64 QEMU (host x86_64 builds only): a multiboot image built
# here from the library's x86_64 sources with kernel flags, booted with
# qemu-system-x86_64 -kernel, ended through isa-debug-exit (status 33 = pass).
# Run twice: -cpu max (FSGSBASE) and -cpu qemu64 (MSR fallback only).
if(NOT KERNKIT_FREESTANDING AND KERNKIT_ARCH STREQUAL "x86_64" AND TARGET kernkit_trapframe)
  find_program(KK_QEMU_X86_64 qemu-system-x86_64)
  if(NOT KK_QEMU_X86_64 OR NOT CMAKE_OBJCOPY)
    message(WARNING "x86_64 trapframe QEMU test disabled: qemu-system-x86_64 or objcopy missing")
    kernkit_skipped_test(qemu-trapframe-x86_64 "qemu-system-x86_64 or objcopy not found at configure time")
    return()
  endif()
  set(_tf ${PROJECT_SOURCE_DIR}/trapframe/x86_64)
  set(_dir ${CMAKE_CURRENT_BINARY_DIR}/trapframe-x86_64)
  file(WRITE ${_dir}/link.ld [=[
ENTRY(_start)
SECTIONS
{
    . = 0x100000;
    .text : { *(.multiboot) *(.text.boot) *(.text .text.*) }
    .rodata : { *(.rodata .rodata.*) }
    .data : { *(.data .data.*) }
    .bss : { *(.bss .bss.* COMMON) }
    /DISCARD/ : { *(.eh_frame .eh_frame_hdr .note* .comment) }
}
]=])
  add_executable(trapframe-x86_64-image trapframe_x86_64.c ${_tf}/context.S ${_tf}/context.c
                 ${_tf}/fpu.c ${_tf}/entry.S ${_tf}/trap.c)
  target_include_directories(trapframe-x86_64-image PRIVATE ${PROJECT_SOURCE_DIR}/include
                             ${PROJECT_BINARY_DIR}/include ${PROJECT_SOURCE_DIR}/base/internal)
  target_compile_options(trapframe-x86_64-image PRIVATE -O2 -ffreestanding -fno-pic -fno-pie
    -mno-red-zone -mno-sse -mno-mmx -mno-80387 -fno-stack-protector -fno-sanitize=all
    -fcf-protection=none -Wall -Wextra -Werror)
  target_link_options(trapframe-x86_64-image PRIVATE -nostdlib -static $<$<C_COMPILER_ID:GNU>:-no-pie>
    -fno-sanitize=all -Wl,-T,${_dir}/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
  set_target_properties(trapframe-x86_64-image PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${_dir} LINK_DEPENDS ${_dir}/link.ld)
  add_custom_command(TARGET trapframe-x86_64-image POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O elf32-i386 $<TARGET_FILE:trapframe-x86_64-image>
            ${_dir}/trapframe-x86_64.elf32
    VERBATIM)
  foreach(_cpu max qemu64)
    add_test(NAME qemu-trapframe-x86_64-${_cpu}
      COMMAND ${KK_REQUIRE} prog=${KK_QEMU_X86_64} --
              ${CMAKE_COMMAND} -DQEMU=${KK_QEMU_X86_64} -DIMAGE=${_dir}/trapframe-x86_64.elf32
              "-DMACHINE=-cpu|${_cpu}|-device|isa-debug-exit,iobase=0xf4,iosize=0x04"
              -DSMP=2 -DPASS_RC=33 -P ${CMAKE_CURRENT_SOURCE_DIR}/run-qemu.cmake)
    set_tests_properties(qemu-trapframe-x86_64-${_cpu} PROPERTIES TIMEOUT 60 SKIP_RETURN_CODE 77)
  endforeach()
endif()

# trapframe on aarch64 QEMU (host builds with aarch64-linux-gnu-gcc): one image
# built here by the cross compiler, freestanding, from the library's aarch64
# sources and tests/qemu/aarch64/ (entry, link script), booted at EL1 with
# qemu-system-aarch64 -machine virt -smp 2 -kernel; it ends through
# semihosting (exit status 0 = pass, with the KK-QEMU-PASS marker).
if(NOT KERNKIT_FREESTANDING AND TARGET kernkit_trapframe)
  find_program(KK_AARCH64_GCC aarch64-linux-gnu-gcc)
  find_program(KK_QEMU_AARCH64 qemu-system-aarch64)
  if(NOT KK_AARCH64_GCC)
    add_test(NAME qemu-trapframe-aarch64
      COMMAND sh -c "echo 'qemu-trapframe-aarch64: skipped: aarch64-linux-gnu-gcc not installed'; exit 77")
    set_tests_properties(qemu-trapframe-aarch64 PROPERTIES SKIP_RETURN_CODE 77)
  else()
    set(_a64 ${PROJECT_SOURCE_DIR}/trapframe/aarch64)
    set(_qa ${CMAKE_CURRENT_SOURCE_DIR}/aarch64)
    set(_img ${CMAKE_CURRENT_BINARY_DIR}/trapframe-aarch64.elf)
    set(_srcs ${_qa}/start.S ${CMAKE_CURRENT_SOURCE_DIR}/trapframe_aarch64.c ${_a64}/trap.S
        ${_a64}/context.S ${_a64}/trap.c ${PROJECT_SOURCE_DIR}/base/base.c)
    file(GLOB _hdrs ${PROJECT_SOURCE_DIR}/include/kernkit/*.h)
    add_custom_command(OUTPUT ${_img}
      COMMAND ${KK_AARCH64_GCC} -O2 -ffreestanding -nostdlib -mgeneral-regs-only
              -fno-stack-protector -fno-pic -fno-pie -static -Wall -Wextra -Werror
              -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_BINARY_DIR}/include
              -I${PROJECT_SOURCE_DIR}/base/internal -T ${_qa}/link.ld -Wl,--build-id=none
              -Wl,--no-warn-rwx-segments ${_srcs} -o ${_img} -lgcc
      DEPENDS ${_srcs} ${_qa}/link.ld ${_hdrs}
      COMMENT "Building the aarch64 trapframe QEMU image"
      VERBATIM)
    add_custom_target(trapframe-aarch64-image ALL DEPENDS ${_img})
    if(KK_QEMU_AARCH64)
      add_test(NAME qemu-trapframe-aarch64
        COMMAND ${CMAKE_COMMAND} -DQEMU=${KK_QEMU_AARCH64} -DIMAGE=${_img}
                "-DMACHINE=-machine|virt|-cpu|cortex-a57|-semihosting-config|enable=on,target=native"
                -DSMP=2 -P ${CMAKE_CURRENT_SOURCE_DIR}/run-qemu.cmake)
      set_tests_properties(qemu-trapframe-aarch64 PROPERTIES TIMEOUT 60)
    else()
      add_test(NAME qemu-trapframe-aarch64
        COMMAND sh -c "echo 'qemu-trapframe-aarch64: skipped: qemu-system-aarch64 not installed'; exit 77")
      set_tests_properties(qemu-trapframe-aarch64 PROPERTIES SKIP_RETURN_CODE 77)
    endif()
  endif()
endif()
