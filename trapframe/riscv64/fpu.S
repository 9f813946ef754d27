/*
 * fpu.S: riscv64 FP state save/restore (F and D registers, fcsr).
 *
 * The library is built for rv64imac; these two functions alone enable the D
 * extension, and run only when the kernel calls them. Save leaves sstatus.FS
 * Clean; restore turns the FPU on and leaves it Clean.
 */
#include <kernkit/trapframe_riscv64.h>

#define SSTATUS_FS       0x6000
#define SSTATUS_FS_CLEAN 0x4000
#define KK_EINVAL        (-22)
#define KK_ENOTSUP       (-95)

    .option push
    .option arch, +d
    .text

/* int kk_fpu_save(struct kk_fpu_state *st) */
    .globl  kk_fpu_save
    .type   kk_fpu_save, @function
    .balign 4
kk_fpu_save:
    beqz    a0, 2f
    csrr    t0, sstatus
    li      t1, SSTATUS_FS
    and     t0, t0, t1
    beqz    t0, 3f
.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    fsd     f\n, 8*\n(a0)
.endr
    frcsr   t0
    sw      t0, 256(a0)
    csrc    sstatus, t1
    li      t1, SSTATUS_FS_CLEAN
    csrs    sstatus, t1
    li      a0, 0
    ret
2:  li      a0, KK_EINVAL
    ret
3:  li      a0, KK_ENOTSUP
    ret
    .size   kk_fpu_save, . - kk_fpu_save

/* int kk_fpu_restore(const struct kk_fpu_state *st) */
    .globl  kk_fpu_restore
    .type   kk_fpu_restore, @function
    .balign 4
kk_fpu_restore:
    beqz    a0, 2f
    li      t1, SSTATUS_FS_CLEAN
    csrs    sstatus, t1
.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    fld     f\n, 8*\n(a0)
.endr
    lw      t0, 256(a0)
    fscsr   t0
    li      t1, SSTATUS_FS
    csrc    sstatus, t1
    li      t1, SSTATUS_FS_CLEAN
    csrs    sstatus, t1
    li      a0, 0
    ret
2:  li      a0, KK_EINVAL
    ret
    .size   kk_fpu_restore, . - kk_fpu_restore
    .option pop
