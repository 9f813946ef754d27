/* Entry of the aarch64 test image (EL1, MMU off) and of the second CPU
 * (PSCI CPU_ON, x0 = its stack top). */
    .section .text.entry, "ax"
    .globl _start
_start:
    ldr     x0, =boot_stack_top
    mov     sp, x0
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  bl      kk_a64_test_main
3:  wfi
    b       3b

    .globl  kk_a64_secondary_entry
kk_a64_secondary_entry:
    mov     sp, x0
    bl      kk_a64_test_secondary
4:  wfi
    b       4b

    .bss
    .balign 16
    .space  65536
boot_stack_top:
