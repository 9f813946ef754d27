# Freestanding x86_64 kernel code model with the host gcc.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_ASM_COMPILER gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(KK_CROSS_FLAGS "-ffreestanding -nostdlib -mno-red-zone -mno-sse -mno-mmx -mno-80387 -mcmodel=kernel -fno-stack-protector -fno-pic -fno-pie")
set(CMAKE_C_FLAGS_INIT "${KK_CROSS_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${KK_CROSS_FLAGS}")
