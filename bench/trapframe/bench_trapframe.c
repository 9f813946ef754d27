/*
 * bench-trapframe: hosted costs of the trapframe primitives, each next to a
 * baseline measured in the same process.
 *  - fncall round trip: kk_uctx_run_fncall() -> user code -> kk_fncall_trap()
 *    -> back (the full register save/restore), vs a real Linux syscall
 *    (getppid) round trip.
 *  - kk_context_switch: one switch between two kernel-style threads, vs one
 *    glibc swapcontext() (which also saves the signal mask).
 *  - FPU save+restore pair: the FXSAVE fallback (x87/SSE only) next to XSAVE
 *    and XSAVEOPT of every XCR0 component (AVX, AVX-512 on hosts with it),
 *    each into its own area, restored from it right after (nothing modified
 *    in between, the case XSAVEOPT optimises: a thread switched out and in).
 *  - aarch64 under QEMU TCG (informational: the emulator's speed, not a
 *    CPU's): when the build made the aarch64 QEMU image and found
 *    qemu-system-aarch64, the image is booted and its aarch64-tcg.* figures
 *    (EL0 svc and EL1 trap round trips, FPU save+restore, context switch
 *    pair) are repeated here.
 * Figures: "<workload>.<stat>: <value> <unit>"; the ratios are baseline / ours
 * (how many times faster the trapframe primitive is).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <kernkit/trapframe.h>

#include "bench.h"

#define SAMPLES 200
#define BATCH   1000

void bench_user_loop(void);
__asm__(".text\n"
        ".globl bench_user_loop\n"
        "bench_user_loop:\n"
        "1: call kk_fncall_trap\n"
        "   jmp 1b\n");

static _Alignas(16) uint8_t user_stack[16384];

static double fncall_round_trip(void)
{
    struct kk_user_context uc = {0};
    uc.rip = (uint64_t)(uintptr_t)bench_user_loop;
    uc.rsp = (uint64_t)(uintptr_t)(user_stack + sizeof(user_stack));
    struct kk_bench b;
    kk_bench_init(&b, "fncall-round-trip", SAMPLES);
    for (unsigned i = 0; i < BATCH; i++) /* warm up */
        kk_uctx_run_fncall(&uc);
    for (unsigned s = 0; s < SAMPLES; s++) {
        kk_bench_start(&b);
        for (unsigned i = 0; i < BATCH; i++)
            kk_uctx_run_fncall(&uc);
        kk_bench_stop(&b, BATCH);
    }
    double med = kk_bench_percentile(&b, 50);
    kk_bench_report(&b);
    kk_bench_free(&b);
    return med;
}

static double linux_syscall_round_trip(void)
{
    struct kk_bench b;
    kk_bench_init(&b, "linux-getppid-baseline", SAMPLES / 4);
    for (unsigned s = 0; s < SAMPLES / 4; s++) {
        kk_bench_start(&b);
        for (unsigned i = 0; i < BATCH; i++)
            KK_BENCH_USE(syscall(SYS_getppid));
        kk_bench_stop(&b, BATCH);
    }
    double med = kk_bench_percentile(&b, 50);
    kk_bench_report(&b);
    kk_bench_free(&b);
    return med;
}

static struct kk_context main_ctx, peer_ctx;
static _Alignas(16) uint8_t peer_stack[16384];

static void peer(void *arg)
{
    (void)arg;
    for (;;)
        kk_context_switch(&peer_ctx, &main_ctx);
}

static double context_switch(void)
{
    if (kk_context_init(&peer_ctx, peer_stack, sizeof(peer_stack), peer, NULL) != 0)
        abort();
    struct kk_bench b;
    kk_bench_init(&b, "context-switch", SAMPLES);
    for (unsigned s = 0; s < SAMPLES; s++) {
        kk_bench_start(&b);
        for (unsigned i = 0; i < BATCH; i++)
            kk_context_switch(&main_ctx, &peer_ctx);
        kk_bench_stop(&b, 2 * BATCH); /* two switches per iteration */
    }
    double med = kk_bench_percentile(&b, 50);
    kk_bench_report(&b);
    kk_bench_free(&b);
    return med;
}

static ucontext_t main_uc, peer_uc;
static _Alignas(16) uint8_t peer_uc_stack[16384];

static void peer_uc_fn(void)
{
    for (;;)
        swapcontext(&peer_uc, &main_uc);
}

static double swapcontext_baseline(void)
{
    getcontext(&peer_uc);
    peer_uc.uc_stack.ss_sp = peer_uc_stack;
    peer_uc.uc_stack.ss_size = sizeof(peer_uc_stack);
    peer_uc.uc_link = NULL;
    makecontext(&peer_uc, peer_uc_fn, 0);
    struct kk_bench b;
    kk_bench_init(&b, "swapcontext-baseline", SAMPLES / 4);
    for (unsigned s = 0; s < SAMPLES / 4; s++) {
        kk_bench_start(&b);
        for (unsigned i = 0; i < BATCH; i++)
            swapcontext(&main_uc, &peer_uc);
        kk_bench_stop(&b, 2 * BATCH);
    }
    double med = kk_bench_percentile(&b, 50);
    kk_bench_report(&b);
    kk_bench_free(&b);
    return med;
}

static double fpu_pair(const char *name, struct kk_fpu_state *st)
{
    struct kk_bench b;
    kk_bench_init(&b, name, SAMPLES / 4);
    if (kk_fpu_save(st) != 0 || kk_fpu_restore(st) != 0)
        abort();
    for (unsigned s = 0; s < SAMPLES / 4; s++) {
        kk_bench_start(&b);
        for (unsigned i = 0; i < BATCH; i++) {
            kk_fpu_save(st);
            kk_fpu_restore(st);
        }
        kk_bench_stop(&b, BATCH);
    }
    double med = kk_bench_percentile(&b, 50);
    kk_bench_report(&b);
    kk_bench_free(&b);
    return med;
}

static void fpu_modes(void)
{
    static struct kk_fpu_state fx; /* zero-filled: FXSAVE */
    double f = fpu_pair("fpu-fxsave-pair", &fx);
    size_t size = kk_fpu_state_size();
    kk_bench_print("fpu-area", "size", (double)size, "bytes");
    struct kk_fpu_state *st = aligned_alloc(64, size);
    if (!st || kk_fpu_state_init(st, size) != 0)
        abort();
    if (st->mode != KK_X86_FPU_FXSAVE) {
        unsigned chosen = st->mode;
        st->mode = KK_X86_FPU_XSAVE;
        double x = fpu_pair("fpu-xsave-pair", st);
        kk_bench_print("xsave-over-fxsave", "ratio", f > 0 ? x / f : 0, "x");
        if (chosen == KK_X86_FPU_XSAVEOPT) {
            st->mode = KK_X86_FPU_XSAVEOPT;
            double o = fpu_pair("fpu-xsaveopt-pair", st);
            kk_bench_print("xsave-over-xsaveopt", "ratio", o > 0 ? x / o : 0, "x");
        }
    }
    free(st);
}

/* Boot the aarch64 QEMU image and repeat its figures (TCG, informational). */
static void aarch64_tcg(void)
{
#if defined(KK_BENCH_QEMU_AARCH64) && defined(KK_BENCH_AARCH64_IMAGE)
    const char *cmd = KK_BENCH_QEMU_AARCH64
        " -machine virt -cpu cortex-a57 -smp 2 -m 128M -display none -serial stdio -monitor none"
        " -no-reboot -semihosting-config enable=on,target=native -kernel " KK_BENCH_AARCH64_IMAGE
        " 2>&1";
    FILE *f = popen(cmd, "r");
    if (!f) {
        printf("aarch64-tcg: skipped: cannot run qemu-system-aarch64\n");
        return;
    }
    char line[256];
    printf("aarch64 under QEMU TCG (informational: emulator speed, not a CPU's):\n");
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "aarch64-tcg.", 12) == 0)
            fputs(line, stdout);
    pclose(f);
#else
    printf("aarch64-tcg: skipped: no aarch64 QEMU image or qemu-system-aarch64 in this build\n");
#endif
}

int main(void)
{
    double fn = fncall_round_trip();
    double sys = linux_syscall_round_trip();
    kk_bench_print("linux-syscall-over-fncall", "ratio", fn > 0 ? sys / fn : 0, "x");
    double cs = context_switch();
    double sc = swapcontext_baseline();
    kk_bench_print("swapcontext-over-context-switch", "ratio", cs > 0 ? sc / cs : 0, "x");
    fpu_modes();
    aarch64_tcg();
    return 0;
}
