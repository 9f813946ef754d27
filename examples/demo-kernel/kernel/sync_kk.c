/*
 * sync_kk.c: the kernel's locks from kernkit::sync. This file is the
 * kk_sync_platform: interrupt disabling nests per hart (push_off/pop_off),
 * the thread handle is the running process (or the hart during boot),
 * block/wake are the scheduler's proc_block()/proc_wake().
 */
#include "proc.h"

void push_off(void)
{
    int old = intr_get();
    intr_off();
    struct cpu *c = mycpu();
    if (c->noff++ == 0)
        c->intena = old;
}

void pop_off(void)
{
    struct cpu *c = mycpu();
    KASSERT(!intr_get() && c->noff > 0);
    if (--c->noff == 0 && c->intena)
        intr_on();
}

static unsigned long plat_irq_save(void *ctx)
{
    (void)ctx;
    push_off();
    return 0;
}

static void plat_irq_restore(void *ctx, unsigned long flags)
{
    (void)ctx, (void)flags;
    pop_off();
}

static uint32_t plat_cpu_id(void *ctx)
{
    (void)ctx;
    return (uint32_t)mycpu()->id;
}

static void *plat_current(void *ctx)
{
    (void)ctx;
    struct proc *p = myproc();
    return p ? (void *)p : (void *)mycpu(); /* boot code runs as "the hart" */
}

static int plat_block(void *ctx, struct kk_waitq *wq, void (*unlock)(void *arg), void *arg,
                      uint64_t deadline)
{
    (void)ctx, (void)wq, (void)deadline; /* no timed waits in this kernel: spurious return */
    proc_block(unlock, arg);
    return 0;
}

static void plat_wake(void *ctx, void *thread)
{
    (void)ctx;
    for (int i = 0; i < MAXCPU; i++)
        if (thread == &cpus[i])
            return; /* a boot-time waiter polls */
    proc_wake(thread);
}

static uint64_t plat_now(void *ctx)
{
    (void)ctx;
    return rdtime();
}

static const struct kk_sync_platform plat = {
    .version = KK_SYNC_PLATFORM_VERSION,
    .irq_save = plat_irq_save,
    .irq_restore = plat_irq_restore,
    .cpu_id = plat_cpu_id,
    .current = plat_current,
    .block = plat_block,
    .wake = plat_wake,
    .now = plat_now,
};

void klock_init(void)
{
    if (kk_sync_platform_check(&plat) < 0)
        panic("kernkit::sync rejects the platform");
}

void spin_init(struct spinlock *l, const char *name)
{
    if (kk_spin_init(&l->kk, &plat) < 0)
        panic("spin_init %s", name);
    l->name = name;
    l->owner = NULL;
}

bool spin_holding(struct spinlock *l)
{
    return kk_spin_is_locked(&l->kk) && l->owner == mycpu();
}

void spin_lock(struct spinlock *l)
{
    unsigned long flags;
    push_off(); /* so that the owner check below cannot race with an interrupt */
    if (spin_holding(l))
        panic("spin_lock: %s held twice", l->name);
    kk_spin_lock_irqsave(&l->kk, &flags);
    pop_off(); /* the lock's own irq_save keeps interrupts off */
    l->owner = mycpu();
}

void spin_unlock(struct spinlock *l)
{
    if (!spin_holding(l))
        panic("spin_unlock: %s not held", l->name);
    l->owner = NULL;
    kk_spin_unlock_irqrestore(&l->kk, 0);
}

void kmutex_init(struct kmutex *m, const char *name)
{
    if (kk_mutex_init(&m->kk, &plat, 0) < 0)
        panic("kmutex_init %s", name);
}

void kmutex_lock(struct kmutex *m)
{
    int rc = kk_mutex_lock(&m->kk);
    if (rc < 0)
        panic("kmutex_lock: %s", kk_strerror(rc));
}

void kmutex_unlock(struct kmutex *m)
{
    int rc = kk_mutex_unlock(&m->kk);
    if (rc < 0)
        panic("kmutex_unlock: %s", kk_strerror(rc));
}

void ksem_init(struct ksem *s, int value)
{
    if (kk_sem_init(&s->kk, &plat, (uint32_t)value) < 0)
        panic("ksem_init");
}

void ksem_down(struct ksem *s)
{
    while (kk_sem_down(&s->kk) < 0)
        ;
}

bool ksem_trydown(struct ksem *s)
{
    return kk_sem_trydown(&s->kk) == 0;
}

void ksem_up(struct ksem *s)
{
    kk_sem_up(&s->kk);
}

void kcompletion_init(struct kcompletion *c)
{
    if (kk_completion_init(&c->kk, &plat) < 0)
        panic("kcompletion_init");
}

void kcompletion_reinit(struct kcompletion *c)
{
    kk_completion_reinit(&c->kk);
}

void kcompletion_complete(struct kcompletion *c)
{
    kk_completion_complete(&c->kk);
}

void kcompletion_wait(struct kcompletion *c)
{
    while (kk_completion_wait(&c->kk, KK_SYNC_FOREVER) < 0)
        ;
}

bool kcompletion_done(struct kcompletion *c)
{
    return kk_completion_wait(&c->kk, 0) == 0;
}
