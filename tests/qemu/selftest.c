/* Checks the test-image runtime itself: boot arguments, bss, console, traps. */
#include "qemu_rt.h"

static unsigned long zeroed[64];
static unsigned long traps;

static unsigned long on_trap(unsigned long scause, unsigned long sepc, unsigned long stval)
{
    (void)stval;
    KK_QEMU_CHECK(scause == 2); /* illegal instruction */
    traps++;
    return sepc + 4;
}

void kk_qemu_main(unsigned long hartid, const void *dtb)
{
    const unsigned char *fdt = dtb;
    KK_QEMU_CHECK(hartid < 64);
    /* The device tree starts with the big-endian magic 0xd00dfeed. */
    KK_QEMU_CHECK(fdt[0] == 0xd0 && fdt[1] == 0x0d && fdt[2] == 0xfe && fdt[3] == 0xed);
    for (unsigned i = 0; i < 64; i++)
        KK_QEMU_CHECK(zeroed[i] == 0);
    kk_qemu_set_trap_hook(on_trap);
    __asm__ volatile(".word 0x00000000"); /* an illegal instruction */
    KK_QEMU_CHECK(traps == 1);
    uint64_t t0 = kk_qemu_rdtime();
    while (kk_qemu_rdtime() == t0)
        ;
    kk_qemu_printf("selftest: hart %lu, dtb %p, %d-%s ok\n", hartid, dtb, 42, "printf");
    kk_qemu_pass();
}
