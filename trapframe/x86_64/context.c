/*
 * context.c: x86_64 initial thread contexts and FPU save/restore.
 *
 * kk_context_init() only writes the caller's struct kk_context; the stack is
 * not touched until the first switch. The FPU helpers are in fpu.c.
 */
#include <kernkit/trapframe.h>

#include <kk_util.h>

void kk_x86_context_start(void);

int kk_context_init(struct kk_context *ctx, void *stack, size_t stack_size,
                    void (*entry)(void *arg), void *arg)
{
    if (!ctx || !stack || !entry || stack_size < 256 ||
        (uintptr_t)stack > UINTPTR_MAX - stack_size) /* the top would wrap */
        return KK_EINVAL;
    uintptr_t top = KK_ALIGN_DOWN((uintptr_t)stack + stack_size, (uintptr_t)16);
    kk_memset(ctx, 0, sizeof(*ctx));
    ctx->r12 = (uint64_t)(uintptr_t)entry;
    ctx->r13 = (uint64_t)(uintptr_t)arg;
    ctx->rsp = top;
    ctx->rip = (uint64_t)(uintptr_t)kk_x86_context_start;
    return 0;
}
