/* sched_entity.h: the scheduler's per-process state, embedded in struct proc. */
#ifndef DEMO_SCHED_ENTITY_H
#define DEMO_SCHED_ENTITY_H

#include <kernkit/sched.h>
struct sched_entity_slot {
    struct kk_sched_entity se;
};

#endif
