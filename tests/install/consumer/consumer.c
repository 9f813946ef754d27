/*
 * A program outside the tree, built against an installed kernkit. It calls
 * one function of every installed library (KK_HAVE_<lib> is defined for each
 * component the test found), so every archive and header set is exercised.
 */
#include <stdio.h>
#include <string.h>

#include <kernkit/base.h>
#include <kernkit/list.h>

#ifdef KK_HAVE_buddy
#include <kernkit/buddy.h>
#endif
#ifdef KK_HAVE_pagetable
#include <kernkit/pagetable.h>
#endif
#ifdef KK_HAVE_sched
#include <kernkit/sched.h>
#endif
#ifdef KK_HAVE_sync
#include <kernkit/sync.h>
#endif
#ifdef KK_HAVE_trapframe
#include <kernkit/trapframe.h>
#endif
#ifdef KK_HAVE_vfs
#include <kernkit/vfs.h>
#endif
#ifdef KK_HAVE_sfs
#include <kernkit/sfs.h>
#endif

/* Returns the name of the first library whose call misbehaved, or NULL. */
static const char *each_library(void)
{
#ifdef KK_HAVE_buddy
    if (kk_buddy_meta_size(16) == 0)
        return "buddy";
#endif
#ifdef KK_HAVE_pagetable
    unsigned levels = 0, va_bits = 0;
    uint64_t sizes[8] = {0};
    if (!kk_pt_format_info(KK_PT_SV39, &levels, &va_bits, sizes) || levels != 3)
        return "pagetable";
#endif
#ifdef KK_HAVE_sched
    if (strcmp(kk_sched_fifo_class.name, "fifo") != 0)
        return "sched";
#endif
#ifdef KK_HAVE_sync
    if (kk_sync_platform_check(NULL) != KK_EINVAL)
        return "sync";
#endif
#ifdef KK_HAVE_trapframe
    if (kk_fpu_state_size() == 0) /* (kk_trap_init would run cli: not in a host program) */
        return "trapframe";
#endif
#ifdef KK_HAVE_vfs
    struct kk_vfs *v;
    if (kk_vfs_create(NULL, &v) != KK_EINVAL)
        return "vfs";
#endif
#ifdef KK_HAVE_sfs
    if (!kk_sfs_vfs_ops())
        return "sfs";
#endif
    return NULL;
}

int main(void)
{
    struct kk_list head;
    kk_list_init(&head);
    const char *bad = each_library();
    if (kk_version() != KERNKIT_VERSION || !kk_list_empty(&head) ||
        strcmp(kk_strerror(KK_ENOENT), kk_strerror(-KK_ENOENT)) != 0 || bad) {
        printf("kernkit mismatch%s%s\n", bad ? " in " : "", bad ? bad : "");
        return 1;
    }
    printf("kernkit %s ok\n", kk_version_string());
    return 0;
}
