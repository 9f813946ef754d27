/*
 * spin_simple.c: TEMPORARY locks until kernkit::sync lands: test-and-set
 * spinlocks, and a mutex, semaphore and completion on sleep_on()/wakeup().
 */
#include "proc.h"

void klock_init(void) {}

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

void spin_init(struct spinlock *l, const char *name)
{
    l->locked = 0;
    l->name = name;
    l->owner = NULL;
}

bool spin_holding(struct spinlock *l)
{
    return l->locked && l->owner == mycpu();
}

void spin_lock(struct spinlock *l)
{
    push_off();
    if (spin_holding(l))
        panic("spin_lock: %s held twice", l->name);
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            ;
    l->owner = mycpu();
}

void spin_unlock(struct spinlock *l)
{
    if (!spin_holding(l))
        panic("spin_unlock: %s not held", l->name);
    l->owner = NULL;
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
    pop_off();
}

void kmutex_init(struct kmutex *m, const char *name)
{
    spin_init(&m->lk, name);
    m->locked = 0;
}

void kmutex_lock(struct kmutex *m)
{
    spin_lock(&m->lk);
    while (m->locked)
        sleep_on(m, &m->lk);
    m->locked = 1;
    spin_unlock(&m->lk);
}

void kmutex_unlock(struct kmutex *m)
{
    spin_lock(&m->lk);
    m->locked = 0;
    spin_unlock(&m->lk);
    wakeup(m);
}

void ksem_init(struct ksem *s, int value)
{
    spin_init(&s->lk, "sem");
    s->value = value;
}

void ksem_down(struct ksem *s)
{
    spin_lock(&s->lk);
    while (s->value == 0)
        sleep_on(s, &s->lk);
    s->value--;
    spin_unlock(&s->lk);
}

void ksem_up(struct ksem *s)
{
    spin_lock(&s->lk);
    s->value++;
    spin_unlock(&s->lk);
    wakeup(s);
}

void kcompletion_init(struct kcompletion *c)
{
    spin_init(&c->lk, "completion");
    c->done = 0;
}

void kcompletion_reinit(struct kcompletion *c)
{
    c->done = 0;
}

void kcompletion_complete(struct kcompletion *c)
{
    spin_lock(&c->lk);
    c->done = 1;
    spin_unlock(&c->lk);
    wakeup(c);
}

void kcompletion_wait(struct kcompletion *c)
{
    spin_lock(&c->lk);
    while (!c->done)
        sleep_on(c, &c->lk);
    spin_unlock(&c->lk);
}

bool kcompletion_done(struct kcompletion *c)
{
    return __atomic_load_n(&c->done, __ATOMIC_ACQUIRE) != 0;
}
