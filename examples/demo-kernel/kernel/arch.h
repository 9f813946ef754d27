/*
 * arch.h: the trap and context-switch primitives the kernel is written
 * against, from kernkit::trapframe: a kernel-thread context (kctx_t), a user
 * context (uctx_t) entered with uctx_run() ("user mode as a function call").
 */
#ifndef DEMO_ARCH_H
#define DEMO_ARCH_H

#include <stdint.h>

#define UCTX_RA 1
#define UCTX_SP 2
#define UCTX_A0 10
#define UCTX_A7 17

#include <kernkit/trapframe.h>
typedef struct kk_context kctx_t;
typedef struct kk_user_context uctx_t;
#define context_switch kk_context_switch
#define uctx_run       kk_uctx_run

void trap_init_hart(void);

#endif
