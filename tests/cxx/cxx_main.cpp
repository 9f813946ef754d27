// cxx-headers: C and C++ agree on every public struct (size, alignment), and
// the public functions, declared in C++ translation units, link against the
// C libraries (their extern "C" guards work).
#include <cstdio>
#include <cstring>

#include <kernkit/base.h>
#ifdef KK_CXX_HAVE_BUDDY
#include <kernkit/buddy.h>
#endif
#ifdef KK_CXX_HAVE_PAGETABLE
#include <kernkit/pagetable.h>
#endif
#ifdef KK_CXX_HAVE_SCHED
#include <kernkit/sched.h>
#endif
#ifdef KK_CXX_HAVE_SYNC
#include <kernkit/sync.h>
#endif
#ifdef KK_CXX_HAVE_TRAPFRAME
#include <kernkit/trapframe.h>
#endif
#ifdef KK_CXX_HAVE_VFS
#include <kernkit/vfs.h>
#endif
#ifdef KK_CXX_HAVE_SFS
#include <kernkit/sfs.h>
#endif
#include <kernkit/rbtree.h>

static int compare(const char *header, const size_t *c, const size_t *cpp)
{
    int bad = 0;
    size_t i = 0;
    for (; c[i] && cpp[i]; i++) {
        if (c[i] != cpp[i]) {
            std::printf("%s: struct #%zu: %s %zu in C, %zu in C++\n", header, i / 2,
                        i % 2 ? "alignment" : "size", c[i], cpp[i]);
            bad++;
        }
    }
    if (c[i] != cpp[i]) {
        std::printf("%s: C and C++ tables differ in length\n", header);
        bad++;
    }
    return bad;
}

#include "tables.inc"

// Addresses of C functions taken from C++: an unguarded header would make
// these references C++-mangled and the link would fail.
typedef void (*any_fn)(void);
#define FN(f) reinterpret_cast<any_fn>(&f)
static const any_fn fns[] = {
    FN(kk_strerror),
    FN(kk_rb_insert_color),
#ifdef KK_CXX_HAVE_BUDDY
    FN(kk_buddy_init),
#endif
#ifdef KK_CXX_HAVE_PAGETABLE
    FN(kk_pt_init),
#endif
#ifdef KK_CXX_HAVE_SCHED
    FN(kk_sched_init),
#endif
#ifdef KK_CXX_HAVE_SYNC
    FN(kk_sync_platform_check),
#endif
#ifdef KK_CXX_HAVE_TRAPFRAME
    FN(kk_trap_init),
    FN(kk_context_switch),
#endif
#ifdef KK_CXX_HAVE_VFS
    FN(kk_vfs_create),
#endif
#ifdef KK_CXX_HAVE_SFS
    FN(kk_sfs_mount),
#endif
};

int main()
{
    int bad = compare_all();
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
        if (!fns[i])
            bad++;
    if (kk_version() != KERNKIT_VERSION) {
        std::printf("kk_version() %u, header %u\n", (unsigned)kk_version(),
                    (unsigned)KERNKIT_VERSION);
        bad++;
    }
    if (std::strcmp(kk_strerror_name(KK_ENOMEM), "KK_ENOMEM") != 0)
        bad++;
    std::printf("cxx-headers: %s\n", bad ? "FAILED" : "C and C++ agree");
    return bad ? 1 : 0;
}
