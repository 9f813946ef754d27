/*
 * spin_simple.c: TEMPORARY spinlocks and sleeping locks until kernkit::sync
 * lands. push_off()/pop_off() nest interrupt disabling per hart.
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

void sleeplock_init(struct sleeplock *l, const char *name)
{
    spin_init(&l->lk, name);
    l->locked = 0;
    l->owner = NULL;
}

void sleeplock_lock(struct sleeplock *l)
{
    spin_lock(&l->lk);
    while (l->locked)
        sleep_on(l, &l->lk);
    l->locked = 1;
    l->owner = myproc();
    spin_unlock(&l->lk);
}

void sleeplock_unlock(struct sleeplock *l)
{
    spin_lock(&l->lk);
    l->locked = 0;
    l->owner = NULL;
    spin_unlock(&l->lk);
    wakeup(l);
}
