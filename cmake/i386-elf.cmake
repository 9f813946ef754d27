# Freestanding i386 with the host gcc (-m32; needs lib32gcc-12-dev for libgcc).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR i386)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_ASM_COMPILER gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(KK_CROSS_FLAGS "-m32 -march=i686 -ffreestanding -nostdlib -fno-stack-protector -fno-pic -fno-pie")
set(CMAKE_C_FLAGS_INIT "${KK_CROSS_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${KK_CROSS_FLAGS}")
