# Freestanding riscv64 (medany) with Debian's riscv64-unknown-elf-gcc.
#
# KERNKIT_RISCV_ABI picks the ABI, and with it the libgcc multilib that
# supplies __clzdi2/__ctzdi2/__popcountdi2 (link with the same -march/-mabi):
#   lp64  (default, preset riscv64):       -march=rv64imac   -mabi=lp64  (soft-float)
#   lp64d (preset riscv64-lp64d):          -march=rv64imafdc -mabi=lp64d (the toolchain's default)
# A kernel must use the same -mabi as the libraries: the linker refuses to mix
# soft-float and double-float objects.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KERNKIT_RISCV_ABI)
if(NOT KERNKIT_RISCV_ABI)
  set(KERNKIT_RISCV_ABI lp64)
endif()
if(KERNKIT_RISCV_ABI STREQUAL "lp64")
  set(KK_ABI_FLAGS "-march=rv64imac -mabi=lp64 -mcmodel=medany")
elseif(KERNKIT_RISCV_ABI STREQUAL "lp64d")
  set(KK_ABI_FLAGS "-march=rv64imafdc -mabi=lp64d -mcmodel=medany")
else()
  message(FATAL_ERROR "KERNKIT_RISCV_ABI: lp64 or lp64d, not '${KERNKIT_RISCV_ABI}'")
endif()
set(KK_CROSS_FLAGS "-misa-spec=2.2 ${KK_ABI_FLAGS} -ffreestanding -nostdlib -fno-stack-protector -fno-pic -fno-pie")
set(CMAKE_C_FLAGS_INIT "${KK_CROSS_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${KK_CROSS_FLAGS}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
