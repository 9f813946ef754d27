/* faulttest: children that fault in every way are killed alone; the parent
 * sees status -1 for each and keeps running, and so does the kernel. */
#include "check.h"

typedef void (*fn_t)(void);

static void null_store(void)
{
    *(volatile int *)0 = 1;
}
static void kernel_load(void)
{
    (void)*(volatile long *)0xffffffc080200000ul;
}
static void text_store(void)
{
    *(volatile int *)(void *)null_store = 0;
}
static void illegal(void)
{
    __asm__ volatile(".word 0xffffffff");
}
static void priv_csr(void)
{
    __asm__ volatile("csrr t0, sstatus" ::: "t0");
}
static void jump_unmapped(void)
{
    ((fn_t)0x7000000ul)();
}
static void stack_overflow(void)
{
    volatile char big[1 << 20];
    big[0] = 1;
    (void)big[0];
}
static void ebreak(void)
{
    __asm__ volatile("ebreak");
}

int main(void)
{
    static const struct {
        const char *name;
        fn_t fn;
    } cases[] = {{"null store", null_store},         {"kernel load", kernel_load},
                 {"store to text", text_store},      {"illegal instruction", illegal},
                 {"privileged csr", priv_csr},       {"jump to unmapped", jump_unmapped},
                 {"stack overflow", stack_overflow}, {"ebreak", ebreak}};
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int pid = fork();
        if (pid == 0) {
            cases[i].fn();
            exit(0); /* not reached: the fault kills us */
        }
        int st = 0;
        CHECK_EQ(wait(&st), pid);
        CHECK_EQ(st, -1);
        printf("faulttest: %s -> killed (status %d)\n", cases[i].name, st);
    }
    return check_done("faulttest");
}
