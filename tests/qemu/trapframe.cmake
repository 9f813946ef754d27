# trapframe on riscv64 QEMU: the library's own trap entry, kernel and user
# traps, Sv39 user page faults, kernel thread switches, FPU helpers.
kernkit_qemu_image(trapframe-riscv64 SOURCES trapframe_riscv64.c LIBS trapframe TIMEOUT 60)
