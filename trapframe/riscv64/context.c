/*
 * context.c: riscv64 initial thread contexts and FPU save-area set-up.
 *
 * kk_context_init() only writes the caller's struct kk_context; the stack is
 * not touched until the first switch.
 */
#include <kernkit/trapframe.h>

#include <kk_util.h>

void kk_rv_context_start(void);

int kk_context_init(struct kk_context *ctx, void *stack, size_t stack_size,
                    void (*entry)(void *arg), void *arg)
{
    if (!ctx || !stack || !entry || stack_size < 256 ||
        (uintptr_t)stack > UINTPTR_MAX - stack_size) /* the top would wrap */
        return KK_EINVAL;
    kk_memset(ctx, 0, sizeof(*ctx));
    ctx->ra = (uint64_t)(uintptr_t)kk_rv_context_start;
    ctx->sp = KK_ALIGN_DOWN((uintptr_t)stack + stack_size, (uintptr_t)16);
    ctx->s[0] = (uint64_t)(uintptr_t)entry;
    ctx->s[1] = (uint64_t)(uintptr_t)arg;
    return 0;
}

/* The D-extension state has a fixed size: f0-f31 and fcsr. */
size_t kk_fpu_state_size(void)
{
    return sizeof(struct kk_fpu_state);
}

int kk_fpu_state_init(struct kk_fpu_state *st, size_t size)
{
    if (!st || (uintptr_t)st % 8 != 0)
        return KK_EINVAL;
    if (size < sizeof(*st))
        return KK_ERANGE;
    kk_memset(st, 0, sizeof(*st));
    return 0;
}
