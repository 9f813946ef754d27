/*
 * arch.h: the trap and context-switch primitives the kernel is written
 * against: a kernel-thread context and a user context entered with
 * uctx_run() ("user mode as a function call").
 */
#ifndef DEMO_ARCH_H
#define DEMO_ARCH_H

#include <stdint.h>

/* Callee-saved registers of a switched-out kernel thread. */
struct context {
    uint64_t ra, sp, s[12];
};

/* User registers x1..x31 (x[0] unused), pc/status/cause, and the kernel
 * registers uctx_run() keeps while the user runs. */
struct user_context {
    uint64_t x[32];
    uint64_t sepc, sstatus, scause, stval;
    uint64_t ksave[16];
};
#define UCTX_RA 1
#define UCTX_SP 2
#define UCTX_A0 10
#define UCTX_A7 17

/* Switch kernel threads: save callee-saved registers in *from, load *to. */
void context_switch(struct context *from, struct context *to);
/* Enter user mode with *u; return when the next trap from user mode is
 * taken, with the registers and scause/stval saved in *u. */
void uctx_run(struct user_context *u);
void trap_init_hart(void);

#endif
