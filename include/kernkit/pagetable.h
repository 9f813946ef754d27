/**
 * @file pagetable.h
 * @brief Portable page-table mapper: one generic core over per-format descriptors.
 *
 * Formats: RISC-V Sv39/Sv48/Sv57, x86_64 4-level and 5-level (LA57), AArch64
 * stage-1 4 KiB granule with 48-bit VA, i386 2-level (non-PAE). Every format is
 * compiled into every build, so a host can build tables for any of them.
 *
 * The caller owns all memory: the library asks the platform for zeroed 4 KiB
 * table frames and gives them back; it never touches the frames it maps.
 * Virtual and physical addresses are uint64_t in every build.
 *
 * Concurrency: one writer per kk_pt (the caller holds its page-table lock).
 * Hardware walkers may read and set accessed/dirty bits concurrently; entries
 * are written with single stores and read-modify-writes of valid leaves use
 * atomic compare-and-swap (a plain store where the old leaf is one the MMU
 * never writes: A and D already set, per format in docs/pagetable.md), so
 * hardware-set A/D bits are never lost.
 *
 * See docs/pagetable.md for the full contract.
 */
#ifndef KERNKIT_PAGETABLE_H
#define KERNKIT_PAGETABLE_H

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup kk_pt_flags Generic mapping flags
 * Flags of a leaf mapping, translated to each format's bits (docs/pagetable.md
 * has the table). A format that cannot express a flag reports what the hardware
 * really does: x86 and i386 pages are always readable, i386 pages are always
 * executable.
 * @{
 */
#define KK_PT_R        (1u << 0) /**< Readable. */
#define KK_PT_W        (1u << 1) /**< Writable (RISC-V needs R with W). */
#define KK_PT_X        (1u << 2) /**< Executable. */
#define KK_PT_U        (1u << 3) /**< Accessible from user mode. */
#define KK_PT_G        (1u << 4) /**< Global (present in every address space). */
#define KK_PT_DEVICE   (1u << 5) /**< Device memory (strongly ordered, uncached). */
#define KK_PT_UNCACHED (1u << 6) /**< Normal memory, uncached (write-combining class). */
#define KK_PT_A        (1u << 7) /**< Accessed. Pass it unless you track accesses by faults. */
#define KK_PT_D        (1u << 8) /**< Dirty. Pass it with W unless you track writes by faults. */
#define KK_PT_COW      (1u << 9) /**< Software bit: write-protected for copy-on-write. */
/** Every generic flag. */
#define KK_PT_ALL_FLAGS (KK_PT_COW * 2u - 1u)
/** @} */

/** Size of a base page and of every table frame, in bytes. */
#define KK_PT_PAGE_SIZE 4096u
/** Most levels any format has (Sv57, x86_64 5-level). */
#define KK_PT_MAX_LEVELS 5
/** Capacity of a flush batch's address list; past it the batch flushes everything. */
#define KK_PT_FLUSH_MAX 32

/** Page-table formats. */
enum kk_pt_format {
    KK_PT_SV39 = 1,       /**< RISC-V Sv39: 3 levels, 39-bit VA, 56-bit PA. */
    KK_PT_SV48 = 2,       /**< RISC-V Sv48: 4 levels, 48-bit VA. */
    KK_PT_SV57 = 3,       /**< RISC-V Sv57: 5 levels, 57-bit VA. */
    KK_PT_X86_64_4L = 4,  /**< x86_64 4-level paging: 48-bit VA, 52-bit PA. */
    KK_PT_X86_64_5L = 5,  /**< x86_64 5-level paging (LA57): 57-bit VA. */
    KK_PT_AARCH64_4K = 6, /**< AArch64 stage 1, 4 KiB granule, 48-bit VA and PA. */
    KK_PT_I386 = 7,       /**< i386 2-level non-PAE paging (4 MiB pages need CR4.PSE). */
};

/** Version of struct kk_pt_platform these headers describe. */
#define KK_PT_PLATFORM_VERSION 1

/**
 * @brief The platform interface: table frames, table access and TLB flush.
 *
 * Filled by the host kernel; the library keeps a pointer to it, so it must
 * outlive every kk_pt that uses it. All callbacks get @c ctx.
 */
struct kk_pt_platform {
    /** KK_PT_PLATFORM_VERSION; fields are only ever appended. */
    uint32_t version;
    /** Passed to every callback. */
    void *ctx;
    /**
     * Allocate one zero-filled, 4 KiB-aligned table frame.
     * @param ctx the platform's ctx.
     * @param pa receives the frame's physical address.
     * @return 0, or a negative KK_E* code (normally KK_ENOMEM), passed through.
     */
    int (*alloc_table)(void *ctx, uint64_t *pa);
    /**
     * Give back a table frame from alloc_table. Never called while a TLB may
     * still walk the frame (frees are deferred until after the flush).
     * @param ctx the platform's ctx.
     * @param pa the frame.
     */
    void (*free_table)(void *ctx, uint64_t pa);
    /**
     * Map a table frame's physical address to a pointer the library can use.
     * NULL means pointer = pa + phys_offset.
     * @param ctx the platform's ctx.
     * @param pa a table frame.
     * @return a pointer to the frame's 4096 bytes.
     */
    void *(*phys_to_virt)(void *ctx, uint64_t pa);
    /** Added to a physical address to get a pointer when phys_to_virt is NULL. */
    uintptr_t phys_offset;
    /**
     * Invalidate TLB entries (optional, NULL = nothing to do).
     * @param ctx the platform's ctx.
     * @param asid the address-space id of the table.
     * @param va addresses to invalidate (any address inside a mapping
     *           invalidates that mapping), or NULL for everything of @p asid.
     * @param n number of entries in @p va (0 when @p va is NULL).
     */
    void (*flush_tlb)(void *ctx, uint32_t asid, const uint64_t *va, size_t n);
};

/** Configuration of kk_pt_init(). Zero-filled optional fields mean "default". */
struct kk_pt_config {
    /** sizeof(struct kk_pt_config): lets fields be appended. */
    uint32_t size;
    /** The page-table format. */
    enum kk_pt_format format;
    /** The platform (must outlive the table). */
    const struct kk_pt_platform *plat;
    /** Address-space id handed to flush_tlb. */
    uint32_t asid;
    /** Addresses a flush batch collects before it falls back to a full flush
     *  (0 = KK_PT_FLUSH_MAX; at most KK_PT_FLUSH_MAX). */
    uint32_t flush_threshold;
};

struct kk_pt_desc;

/**
 * Disjoint ranges of root slots a table can borrow with kk_pt_share_kernel(),
 * and lend out, each (adjacent and overlapping ranges merge into one).
 */
#define KK_PT_SHARE_MAX 4

/** A range [lo, hi) of root-table slot indices (private to the library). */
struct kk_pt_slots {
    uint16_t lo; /**< first slot */
    uint16_t hi; /**< one past the last slot */
};

/**
 * @brief One page table (an address space). The caller allocates it; fields are
 * private to the library (read them through the accessor functions).
 */
struct kk_pt {
    const struct kk_pt_desc *desc;     /**< private: the format descriptor */
    const struct kk_pt_platform *plat; /**< private: the platform */
    uint64_t root;                     /**< private: physical address of the root table */
    uint64_t tables;                   /**< private: table frames owned, root included */
    uint32_t asid;                     /**< private: address-space id */
    uint32_t flush_threshold;          /**< private: flush batch threshold */
    uint32_t share_gen;                /**< private: bumped when a shared-out root slot fills */
    uint32_t nborrow;                  /**< private: ranges in borrow[] */
    uint32_t npin;                     /**< private: ranges in pin[] */
    /** private: root slots [lo, hi) borrowed from other tables (sorted, disjoint) */
    struct kk_pt_slots borrow[KK_PT_SHARE_MAX];
    /** private: root slots [lo, hi) whose tables are shared out (sorted, disjoint) */
    struct kk_pt_slots pin[KK_PT_SHARE_MAX];
};

/**
 * @brief A flush batch: collects addresses to invalidate and table frames to
 * free after the invalidation.
 *
 * Initialise it with kk_pt_flush_init(), pass it to any number of operations
 * on the same table, then call kk_pt_flush_finish(), which calls flush_tlb
 * once (by address, or for everything past the threshold) and only then frees
 * the table frames the operations emptied. Operations given NULL use an
 * internal batch and finish it before returning. Fields are private.
 */
struct kk_pt_flush {
    struct kk_pt *pt;             /**< private: the table this batch belongs to */
    uint32_t n;                   /**< private: addresses collected */
    uint32_t full;                /**< private: nonzero = flush everything */
    uint64_t nfree;               /**< private: table frames waiting to be freed */
    uint64_t free_head;           /**< private: first waiting frame (chained in entry 0) */
    uint64_t va[KK_PT_FLUSH_MAX]; /**< private: collected addresses */
};

/** One leaf mapping, as reported by kk_pt_query(), kk_pt_walk() and unmaps. */
struct kk_pt_mapping {
    uint64_t va;    /**< First virtual address of the mapping (canonical form). */
    uint64_t pa;    /**< First physical address of the mapping. */
    uint64_t size;  /**< Page size in bytes (4 KiB or a huge size). */
    unsigned flags; /**< Generic KK_PT_* flags as the hardware sees them. */
    unsigned level; /**< Table level of the leaf (0 = 4 KiB level). */
};

/**
 * @brief Callback for each mapping of kk_pt_walk() and of range operations.
 * @param arg the caller's argument.
 * @param m the mapping (valid during the call only).
 * @return 0 to continue; anything else stops kk_pt_walk() and is returned by it
 *         (range operations ignore the value).
 */
typedef int (*kk_pt_mapping_fn)(void *arg, const struct kk_pt_mapping *m);

/**
 * @brief Callback receiving one line of kk_pt_dump() text.
 * @param arg the caller's argument.
 * @param line a NUL-terminated line without newline (valid during the call only).
 */
typedef void (*kk_pt_line_fn)(void *arg, const char *line);

/**
 * @brief Describe a format.
 * @param format a format.
 * @param levels receives the number of levels (may be NULL).
 * @param va_bits receives the virtual-address width (may be NULL).
 * @param page_sizes receives a mask with bit n set for each supported page
 *        size 2^n (may be NULL).
 * @return the format's name ("sv39", "x86_64-4l", ...), or NULL for an unknown format.
 */
KK_API const char *kk_pt_format_info(enum kk_pt_format format, unsigned *levels, unsigned *va_bits,
                                     uint64_t *page_sizes);

/**
 * @brief Create an empty page table (allocates the root frame).
 * @param pt the caller's instance.
 * @param cfg the configuration (copied; cfg->plat is kept by pointer).
 * @return 0; KK_EINVAL for a bad config (unknown format, no alloc/free
 *         callbacks, wrong size or version); an alloc_table error.
 */
KK_API int kk_pt_init(struct kk_pt *pt, const struct kk_pt_config *cfg);

/**
 * @brief Free every table frame the table owns (not the mapped frames).
 *
 * The caller guarantees no hart uses the table any more (its TLB entries are
 * gone); frames are freed at once. Root slots borrowed with
 * kk_pt_share_kernel() are left alone; a table that lends slots out must
 * outlive its borrowers.
 * @param pt the table; unusable afterwards until kk_pt_init().
 */
KK_API void kk_pt_destroy(struct kk_pt *pt);

/**
 * @brief Physical address of the root table (for satp, CR3, TTBR).
 * @param pt the table.
 * @return the root frame's physical address; 0 for NULL or a table not
 *         initialised (or destroyed).
 */
KK_API uint64_t kk_pt_root(const struct kk_pt *pt);

/**
 * @brief Number of table frames the table owns, root included.
 * @param pt the table.
 * @return the count; 0 for NULL or a table not initialised (or destroyed).
 */
KK_API uint64_t kk_pt_table_count(const struct kk_pt *pt);

/**
 * @brief Start a flush batch for @p pt.
 * @param fb the caller's batch (NULL: nothing happens).
 * @param pt the table the batch will be used with.
 */
KK_API void kk_pt_flush_init(struct kk_pt_flush *fb, struct kk_pt *pt);

/**
 * @brief Invalidate what the batch collected, then free the table frames it
 * holds; the batch is empty and reusable afterwards.
 * @param fb the batch; NULL, or a batch of a NULL or destroyed table, is a no-op.
 */
KK_API void kk_pt_flush_finish(struct kk_pt_flush *fb);

/**
 * @brief Map one page.
 * @param pt the table.
 * @param va virtual address, aligned to @p size, canonical.
 * @param pa physical address, aligned to @p size, within the format's limit.
 * @param size a page size the format supports (kk_pt_format_info()).
 * @param flags KK_PT_* flags.
 * @return 0; KK_EINVAL (alignment, size, flags), KK_EFAULT (non-canonical VA),
 *         KK_ERANGE (PA too large), KK_EEXIST (something is mapped in the
 *         range, or a table exists where a huge page should go), KK_EPERM (a
 *         borrowed kernel slot, or a root-level page in a slot lent out with
 *         kk_pt_share_kernel()), KK_ENOMEM or another alloc_table error. On
 *         error nothing changed.
 */
KK_API int kk_pt_map(struct kk_pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags);

/**
 * @brief Map a range, visiting each table once.
 *
 * With @p allow_huge, each piece uses the largest page size whose alignment
 * both addresses have and that fits in the rest of the range (and whose slot
 * holds no table yet). Failure-atomic: on any error the range is left exactly
 * as before (pages mapped so far are unmapped and new tables freed through
 * @p fb or at once).
 * @param pt the table.
 * @param va start, 4 KiB-aligned and canonical.
 * @param pa physical start, 4 KiB-aligned.
 * @param len length in bytes, a nonzero multiple of 4 KiB.
 * @param flags KK_PT_* flags.
 * @param allow_huge use huge pages where possible.
 * @param fb flush batch, or NULL.
 * @return 0 or an error as kk_pt_map().
 */
KK_API int kk_pt_map_range(struct kk_pt *pt, uint64_t va, uint64_t pa, uint64_t len, unsigned flags,
                           bool allow_huge, struct kk_pt_flush *fb);

/**
 * @brief Remove the one mapping that starts at @p va (of any page size).
 * @param pt the table.
 * @param va the mapping's first address.
 * @param fb flush batch, or NULL (flush and free at once).
 * @param old receives the removed mapping (may be NULL).
 * @return 0; KK_ENOENT (nothing mapped at va); KK_EINVAL (va unaligned, or
 *         inside a huge page but not its start: use kk_pt_unmap_range());
 *         KK_EFAULT; KK_EPERM.
 */
KK_API int kk_pt_unmap(struct kk_pt *pt, uint64_t va, struct kk_pt_flush *fb,
                       struct kk_pt_mapping *old);

/**
 * @brief Remove every mapping in a range, splitting huge pages that straddle
 * its ends, and free the tables that became empty (after the flush).
 * @param pt the table.
 * @param va start, 4 KiB-aligned.
 * @param len nonzero multiple of 4 KiB.
 * @param fb flush batch, or NULL.
 * @param cb called with each removed mapping (may be NULL).
 * @param arg passed to @p cb.
 * @return the number of mappings removed (> 0); KK_ENOENT if nothing was
 *         mapped; KK_EINVAL, KK_EFAULT, KK_EPERM; KK_ENOMEM if splitting a
 *         straddling huge page failed (no mapping changed then).
 */
KK_API int kk_pt_unmap_range(struct kk_pt *pt, uint64_t va, uint64_t len, struct kk_pt_flush *fb,
                             kk_pt_mapping_fn cb, void *arg);

/**
 * @brief Change the flags of the one mapping that starts at @p va.
 *
 * The new flags replace the old ones, except that KK_PT_A and KK_PT_D already
 * set stay set (use kk_pt_clear_ad() to clear them).
 * @param pt the table.
 * @param va the mapping's first address.
 * @param flags new KK_PT_* flags.
 * @param fb flush batch, or NULL.
 * @return 0 or an error as kk_pt_unmap().
 */
KK_API int kk_pt_protect(struct kk_pt *pt, uint64_t va, unsigned flags, struct kk_pt_flush *fb);

/**
 * @brief Change the flags of every mapping in a range (as kk_pt_protect()),
 * splitting huge pages that straddle its ends.
 * @param pt the table.
 * @param va start, 4 KiB-aligned.
 * @param len nonzero multiple of 4 KiB.
 * @param flags new KK_PT_* flags.
 * @param fb flush batch, or NULL.
 * @return the number of mappings visited (> 0), or an error as kk_pt_unmap_range().
 */
KK_API int kk_pt_protect_range(struct kk_pt *pt, uint64_t va, uint64_t len, unsigned flags,
                               struct kk_pt_flush *fb);

/**
 * @brief Write-protect a range for copy-on-write: every writable mapping loses
 * KK_PT_W and gains KK_PT_COW (straddling huge pages are split).
 * @param pt the table.
 * @param va start, 4 KiB-aligned.
 * @param len nonzero multiple of 4 KiB.
 * @param fb flush batch, or NULL.
 * @return the number of mappings changed (>= 0), or an error as kk_pt_unmap_range()
 *         (KK_ENOENT if nothing at all was mapped).
 */
KK_API int kk_pt_write_protect_range(struct kk_pt *pt, uint64_t va, uint64_t len,
                                     struct kk_pt_flush *fb);

/**
 * @brief Test and clear accessed and/or dirty bits over a range.
 *
 * Huge pages that overlap the range are handled whole (not split).
 * @param pt the table.
 * @param va start, 4 KiB-aligned.
 * @param len nonzero multiple of 4 KiB.
 * @param which KK_PT_A, KK_PT_D or both.
 * @param fb flush batch (cleared bits need a flush), or NULL.
 * @param cb called with each mapping that had a bit of @p which set, with its
 *        old flags (may be NULL).
 * @param arg passed to @p cb.
 * @return the number of mappings that had a bit set (>= 0); KK_ENOENT if
 *         nothing was mapped; KK_EINVAL, KK_EFAULT, KK_EPERM.
 */
KK_API int kk_pt_clear_ad(struct kk_pt *pt, uint64_t va, uint64_t len, unsigned which,
                          struct kk_pt_flush *fb, kk_pt_mapping_fn cb, void *arg);

/**
 * @brief Look up the mapping that contains @p va.
 * @param pt the table.
 * @param va any canonical address.
 * @param m receives the mapping; the translation of @p va is
 *        m->pa + (va - m->va).
 * @return 0; KK_ENOENT (not mapped); KK_EFAULT (non-canonical).
 */
KK_API int kk_pt_query(const struct kk_pt *pt, uint64_t va, struct kk_pt_mapping *m);

/**
 * @brief Call @p cb for each mapping that overlaps a range, in address order.
 * @param pt the table.
 * @param va start, 4 KiB-aligned.
 * @param len nonzero multiple of 4 KiB (the whole space: see kk_pt_format_info()).
 * @param cb the callback.
 * @param arg passed to @p cb.
 * @return 0, the first nonzero value @p cb returned, or KK_EINVAL / KK_EFAULT.
 */
KK_API int kk_pt_walk(const struct kk_pt *pt, uint64_t va, uint64_t len, kk_pt_mapping_fn cb,
                      void *arg);

/**
 * @brief Text dump: one line per run of mappings that are contiguous in both
 * address spaces with equal flags and page size, e.g.
 * "0000000080000000-0000000080200000 -> 0000000080000000 2M x1 RWX-G--AD-".
 * @param pt the table.
 * @param va start, 4 KiB-aligned.
 * @param len nonzero multiple of 4 KiB.
 * @param out receives each line.
 * @param arg passed to @p out.
 * @return 0, or KK_EINVAL / KK_EFAULT.
 */
KK_API int kk_pt_dump(const struct kk_pt *pt, uint64_t va, uint64_t len, kk_pt_line_fn out,
                      void *arg);

/**
 * @brief Share a kernel range of @p src into @p dst, or re-sync that sharing.
 *
 * The root slots of [va, va+len) become borrowed in @p dst. Each slot that
 * holds a table in @p src is copied, so @p dst points at the same lower
 * tables and kernel mappings made later through @p src below the root show
 * in @p dst at once. Slots still empty in @p src stay empty in @p dst and
 * cost nothing: no table is allocated. Calling it again for the range (or
 * part of it) is the re-sync: it copies the slots that got a table in @p src
 * since. kk_pt_share_gen() tells a kernel when a re-sync is due; it may
 * instead re-sync lazily, for the one slot of a kernel address that faulted
 * in @p dst (as Linux's vmalloc_fault did).
 *
 * In @p src the range becomes pinned: its root tables are never freed by
 * unmaps (only by kk_pt_destroy()) and no root-level huge page is mapped in
 * it, so copied entries never dangle. @p dst may read borrowed slots but not
 * change them or map into them while empty (KK_EPERM). A table keeps up to
 * KK_PT_SHARE_MAX disjoint borrowed and as many pinned ranges (adjacent and
 * overlapping ranges merge). Destroy every borrower before @p src. The
 * caller holds both tables' locks.
 * @param dst the table receiving the entries.
 * @param src the kernel table (same format).
 * @param va start, aligned to the root slot size (kk_pt_format_info()).
 * @param len nonzero multiple of the root slot size.
 * @return the number of root slots copied now (>= 0); KK_EINVAL (formats
 *         differ, dst == src, alignment, a root-level huge page of @p src in
 *         the range, the range overlaps slots @p dst lends out); KK_EFAULT;
 *         KK_EPERM (@p src borrows part of the range itself); KK_EEXIST (a
 *         @p dst slot of the range holds anything but @p src's table);
 *         KK_ENOSPC (a table would need more than KK_PT_SHARE_MAX ranges).
 *         On error nothing changed.
 */
KK_API int kk_pt_share_kernel(struct kk_pt *dst, struct kk_pt *src, uint64_t va, uint64_t len);

/**
 * @brief Generation of the ranges @p src lends out with kk_pt_share_kernel().
 *
 * Bumped every time a root slot inside a lent-out range gets a table. A
 * borrower that remembers the value of its last kk_pt_share_kernel() call
 * re-syncs when it differs (e.g. on each switch to its address space).
 * @param src the kernel table.
 * @return the generation (wraps); 0 for NULL or a table not initialised.
 */
KK_API uint32_t kk_pt_share_gen(const struct kk_pt *src);

/**
 * @brief Check every invariant of the table (debugging, tests).
 *
 * Valid entries decode at their level, leaves are aligned, addresses are within
 * the format's limits, no owned non-root table is empty unless pinned, and the
 * table count matches.
 * @param pt the table.
 * @return 0, or KK_ECORRUPT.
 */
KK_API int kk_pt_check(const struct kk_pt *pt);

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_PAGETABLE_H */
