/*
 * arch.h: the trap and context-switch primitives the kernel is written
 * against: a kernel-thread context (kctx_t) and a user context (uctx_t)
 * entered with uctx_run() ("user mode as a function call"). With
 * kernkit::trapframe (DEMO_HAVE_TRAPFRAME) these are its kk_context,
 * kk_user_context, kk_uctx_run and kk_context_switch; otherwise the
 * temporary trap.S of this kernel provides the same shapes.
 */
#ifndef DEMO_ARCH_H
#define DEMO_ARCH_H

#include <stdint.h>

#define UCTX_RA 1
#define UCTX_SP 2
#define UCTX_A0 10
#define UCTX_A7 17

#if DEMO_HAVE_TRAPFRAME
#include <kernkit/trapframe.h>
typedef struct kk_context kctx_t;
typedef struct kk_user_context uctx_t;
#define context_switch kk_context_switch
#define uctx_run       kk_uctx_run
#else
typedef struct demo_context {
    uint64_t ra, sp, s[12];
} kctx_t;
/* User registers x1..x31 (x[0] unused), pc/status/cause, and the kernel
 * registers uctx_run() keeps while the user runs. */
typedef struct demo_user_context {
    uint64_t x[32];
    uint64_t sepc, sstatus, scause, stval;
    uint64_t ksave[16];
} uctx_t;
void context_switch(kctx_t *from, kctx_t *to);
void uctx_run(uctx_t *u);
#endif

void trap_init_hart(void);

#endif
