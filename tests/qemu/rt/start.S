/* Entry of a riscv64 test image: a0 = hart id, a1 = device tree (from OpenSBI). */
    .section .text.entry
    .globl _start
_start:
    la      sp, __stack_top
    mv      s0, a0
    mv      s1, a1
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  la      t0, kk_qemu_trap_entry
    csrw    stvec, t0
    mv      a0, s0
    mv      a1, s1
    call    kk_qemu_start
3:  wfi
    j       3b

/* Minimal trap entry: saves caller-saved registers, calls kk_qemu_trap(),
 * which returns the pc to resume at. Good enough for tests that provoke a
 * fault on purpose in S-mode; not a kernel's trap path. */
    .align  4
    .globl  kk_qemu_trap_entry
kk_qemu_trap_entry:
    addi    sp, sp, -144
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      t2, 24(sp)
    sd      a0, 32(sp)
    sd      a1, 40(sp)
    sd      a2, 48(sp)
    sd      a3, 56(sp)
    sd      a4, 64(sp)
    sd      a5, 72(sp)
    sd      a6, 80(sp)
    sd      a7, 88(sp)
    sd      t3, 96(sp)
    sd      t4, 104(sp)
    sd      t5, 112(sp)
    sd      t6, 120(sp)
    csrr    a0, scause
    csrr    a1, sepc
    csrr    a2, stval
    call    kk_qemu_trap
    csrw    sepc, a0
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      t2, 24(sp)
    ld      a0, 32(sp)
    ld      a1, 40(sp)
    ld      a2, 48(sp)
    ld      a3, 56(sp)
    ld      a4, 64(sp)
    ld      a5, 72(sp)
    ld      a6, 80(sp)
    ld      a7, 88(sp)
    ld      t3, 96(sp)
    ld      t4, 104(sp)
    ld      t5, 112(sp)
    ld      t6, 120(sp)
    addi    sp, sp, 144
    sret
