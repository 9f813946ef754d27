/*
 * klock.h: the kernel's locks: kernkit::sync's irq-save spinlocks, mutexes,
 * semaphores and completions over the platform in sync_kk.c.
 * Spinlocks nest interrupt disabling per hart (push_off/pop_off), so a lock
 * may be released on the same hart by another thread (the scheduler lock
 * is handed over across context switches).
 */
#ifndef DEMO_KLOCK_H
#define DEMO_KLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

#include <kernkit/sync.h>
struct spinlock {
    struct kk_spin kk;
    const char *name;
    struct cpu *owner;
};
struct kmutex {
    struct kk_mutex kk;
};
struct ksem {
    struct kk_sem kk;
};
struct kcompletion {
    struct kk_completion kk;
};

void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_holding(struct spinlock *l);

void kmutex_init(struct kmutex *m, const char *name);
void kmutex_lock(struct kmutex *m);
void kmutex_unlock(struct kmutex *m);

void ksem_init(struct ksem *s, int value);
void ksem_down(struct ksem *s);
bool ksem_trydown(struct ksem *s); /* take a unit only if one is free now */
void ksem_up(struct ksem *s);

void kcompletion_init(struct kcompletion *c);
void kcompletion_reinit(struct kcompletion *c);
void kcompletion_complete(struct kcompletion *c); /* any context, interrupts too */
void kcompletion_wait(struct kcompletion *c);     /* sleeps */
bool kcompletion_done(struct kcompletion *c);     /* check without sleeping */

void push_off(void);
void pop_off(void);
void klock_init(void);

#endif
