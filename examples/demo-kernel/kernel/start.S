/*
 * start.S: entry of the demo kernel.
 *
 * OpenSBI jumps to _start (physical 0x80200000, paging off) on the hart it
 * picked, with a0 = hart id and a1 = the device tree. We turn on an early
 * Sv39 table of 1 GiB pages (identity for the low 4 GiB of RAM space and the
 * same range at KVA_OFFSET), jump to the high-half link address and call
 * kmain(hartid, dtb_pa). Other harts are started later through SBI HSM at
 * secondary_start with a1 = the top of their boot stack (a kernel VA).
 */
#define KVA_OFFSET 0xffffffc000000000

    .section .text.entry
    .globl _start
_start:
    /* Only one hart may boot; a second one arriving here (old firmware that
     * releases every hart) parks until it is started through HSM. */
    lla     t0, boot_lottery
    li      t1, 1
    amoswap.w t1, t1, (t0)
    bnez    t1, park
    mv      s0, a0
    mv      s1, a1
    call    early_paging
    /* from here on pc is in the high half, so lla gives kernel VAs */
    lla     sp, boot_stack_top
    lla     t1, __bss_start
    lla     t2, __bss_end
1:  bgeu    t1, t2, 2f
    sd      zero, 0(t1)
    addi    t1, t1, 8
    j       1b
2:  mv      a0, s0
    mv      a1, s1
    call    kmain
    j       park

park:
    wfi
    j       park

    .globl secondary_start
secondary_start:
    mv      s0, a0
    mv      s1, a1
    call    early_paging
    mv      sp, s1
    mv      a0, s0
    call    secondary_main
    j       park

/* Turn on the early table and return to the caller's address in the high
 * half (ra + KVA_OFFSET). Clobbers t0, t1. */
early_paging:
    lla     t0, early_pt
    srli    t0, t0, 12
    li      t1, (8 << 60)
    or      t0, t0, t1
    sfence.vma
    csrw    satp, t0
    sfence.vma
    li      t0, KVA_OFFSET
    add     ra, ra, t0
    ret

    .section .data
    .balign 4
boot_lottery:
    .word   0

/* Early Sv39 root: 1 GiB leaf pages V|R|W|X|A|D (0xcf), PPN = pa >> 12. */
    .balign 4096
    .globl  early_pt
early_pt:
    .quad   0
    .quad   0
    .quad   (0x80000000 >> 12) << 10 | 0xcf  /* VA 0x80000000 identity */
    .quad   (0xc0000000 >> 12) << 10 | 0xcf
    .fill   252, 8, 0
    .quad   (0x00000000 >> 12) << 10 | 0xcf  /* 256: KVA_OFFSET + 0 GiB */
    .quad   (0x40000000 >> 12) << 10 | 0xcf
    .quad   (0x80000000 >> 12) << 10 | 0xcf
    .quad   (0xc0000000 >> 12) << 10 | 0xcf
    .fill   252, 8, 0

    .section .bss
    .balign 16
boot_stack:
    .space  16384
    .globl  boot_stack_top
boot_stack_top:
