/*
 * qs_sync.c: kernkit::sync on your interrupt, CPU and thread hooks. One
 * platform struct serves every lock; it must outlive them.
 */
#include <kernkit/sync.h>

#include "your_kernel.h"

static unsigned long plat_irq_save(void *ctx)
{
    (void)ctx;
    return arch_irq_save();
}

static void plat_irq_restore(void *ctx, unsigned long flags)
{
    (void)ctx;
    arch_irq_restore(flags);
}

static uint32_t plat_cpu_id(void *ctx)
{
    (void)ctx;
    return arch_cpu_id();
}

static void *plat_current(void *ctx)
{
    (void)ctx;
    return thread_current();
}

/* Sleeping locks: mark the thread asleep BEFORE calling unlock(arg), so a
 * wake-up that comes in between is not lost. Spurious returns are fine. */
static int plat_block(void *ctx, struct kk_waitq *wq, void (*unlock)(void *arg), void *arg,
                      uint64_t deadline)
{
    (void)ctx, (void)wq, (void)deadline; /* no timed waits here: deadlines need .now */
    thread_sleep(unlock, arg);
    return 0;
}

static void plat_wake(void *ctx, void *thread)
{
    (void)ctx;
    thread_wakeup(thread);
}

static const struct kk_sync_platform sync_plat = {
    .version = KK_SYNC_PLATFORM_VERSION, /* differs in KK_SYNC_DEBUG/UP builds: init checks it */
    .irq_save = plat_irq_save,
    .irq_restore = plat_irq_restore,
    .cpu_id = plat_cpu_id,
    .current = plat_current,
    .block = plat_block,
    .wake = plat_wake,
};

int qs_sync(void)
{
    struct kk_spin lock;   /* e.g. guarding a device's registers */
    struct kk_mutex mutex; /* e.g. guarding a file system */
    unsigned long flags;

    int err = kk_spin_init(&lock, &sync_plat);
    if (!err)
        err = kk_spin_lock_irqsave(&lock, &flags); /* interrupts off on this CPU */
    if (!err)
        err = kk_spin_unlock_irqrestore(&lock, flags);
    if (!err)
        err = kk_mutex_init(&mutex, &sync_plat, 0);
    if (!err)
        err = kk_mutex_lock(&mutex);
    if (!err)
        err = kk_mutex_lock(&mutex) == KK_EDEADLK ? 0 : KK_EINVAL; /* misuse is an error code */
    if (!err)
        err = kk_mutex_unlock(&mutex);
    if (err) {
        kputs("sync: ");
        kputs(kk_strerror(err));
        kputs("\n");
    }
    return err;
}
