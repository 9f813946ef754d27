#ifndef DEMO_SYSCALL_H
#define DEMO_SYSCALL_H
struct proc;
long syscall_dispatch(struct proc *p);
#endif
