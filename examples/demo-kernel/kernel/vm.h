/* vm.h: the kernel address space and per-process address spaces (Sv39). */
#ifndef DEMO_VM_H
#define DEMO_VM_H

#include "kernel.h"

#define VM_R 1
#define VM_W 2
#define VM_X 4
#define VM_U 8

struct aspace;

void vm_init(void);      /* build the kernel table (direct map + devices), switch to it */
void vm_init_hart(void); /* switch this hart to the kernel table */
struct aspace *as_create(void);
void as_destroy(struct aspace *as);
void as_activate(struct aspace *as); /* NULL: kernel table */
/* Allocate zeroed frames and map [va, va+len) (page-rounded) with flags. */
int as_alloc(struct aspace *as, uintptr_t va, size_t len, int flags);
/* Unmap and free the frames of [va, va+len). */
void as_free(struct aspace *as, uintptr_t va, size_t len);
/* Physical address of the page holding va if it is mapped with all of need. */
uintptr_t as_lookup(struct aspace *as, uintptr_t va, int need);
int as_copy(struct aspace *dst, struct aspace *src);
/* Checked copies between the kernel and a user address space: KK_EFAULT for
 * any address not mapped user-accessible with the needed permission. */
int copyin(struct aspace *as, void *dst, uintptr_t src, size_t n);
int copyout(struct aspace *as, uintptr_t dst, const void *src, size_t n);
/* Copy a NUL-terminated string of at most max bytes (with the NUL). */
int copyinstr(struct aspace *as, char *dst, uintptr_t src, size_t max);

#endif
