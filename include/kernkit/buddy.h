/**
 * @file buddy.h
 * @brief Buddy allocator for physical page frames (struct kk_buddy) and a
 *        malloc-style byte heap on the same engine (struct kk_heap).
 *
 * Frame allocator: manages frames by physical address. The managed memory is
 * never touched (it need not be mapped): every byte of metadata lives in a
 * caller buffer of kk_buddy_meta_size() bytes. Buddy lookup is O(1)
 * (`pfn ^ (1 << order)`), free lists are doubly linked per order with a bitmask
 * of non-empty orders, and no operation scans a free list. Double frees, wrong
 * orders, addresses never allocated, misaligned or out-of-range addresses are
 * detected from the metadata and rejected with #KK_EINVAL.
 *
 * Without per-CPU caches the allocator is single-threaded unless the config's
 * lock hooks are set. With them (kk_buddy_config::pcp) small orders are served
 * from per-CPU stacks under the per-CPU lock hooks.
 *
 * Byte heap: kk_heap_alloc() / kk_heap_free() (no size) on memory regions the
 * caller adds; its metadata is one byte per minimum block, at the start of
 * each region. See docs/buddy.md for the full contract.
 */
#ifndef KERNKIT_BUDDY_H
#define KERNKIT_BUDDY_H

#include <kernkit/base.h>
#include <kernkit/rbtree.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest max_order the allocators accept (blocks of 2^30 frames or units). */
#define KK_BUDDY_ORDER_LIMIT 30
/** Default max_order of the frame allocator (blocks of up to 1024 frames). */
#define KK_BUDDY_DEFAULT_MAX_ORDER 10
/** Default frame size in bytes. */
#define KK_BUDDY_DEFAULT_FRAME_SIZE 4096u
/** Largest number of frames one kk_buddy (or units one heap region) covers. */
#define KK_BUDDY_MAX_FRAMES 0xFFFFFFF0u
/** Number of small orders (0 .. KK_BUDDY_PCP_ORDERS - 1) a per-CPU cache can hold. */
#define KK_BUDDY_PCP_ORDERS 4

/**
 * @brief Free-list engine shared by the frame allocator and the heap (private).
 *
 * Embedded in struct kk_buddy and in every heap region. Callers must not
 * touch it; it is public only so that instances can be allocated statically.
 */
struct kk_buddy_engine {
    uint8_t *state;       /**< One state byte per unit: kind (3 bits) and order (5 bits). */
    unsigned char *links; /**< Base of the free-list links (next, prev unit indices). */
    uint32_t link_shift;  /**< Unit i's links are at links + (i << link_shift). */
    uint32_t nunits;      /**< Units covered, indices 0 .. nunits - 1. */
    uint64_t base;        /**< Absolute unit number (address >> unit shift) of index 0. */
    uint32_t max_order;   /**< Largest block order. */
    uint32_t nonempty;    /**< Bit k set when the order-k free list is not empty. */
    uint32_t head[KK_BUDDY_ORDER_LIMIT + 1];  /**< First free block of each order, or ~0. */
    uint64_t nfree[KK_BUDDY_ORDER_LIMIT + 1]; /**< Free blocks per order. */
    uint64_t *bm[KK_BUDDY_ORDER_LIMIT + 1];   /**< Per-order free-head bitmaps, or NULL. */
    uint64_t free_units;                      /**< Units on the free lists. */
    uint64_t total_units;                     /**< Units added (managed). */
    bool pcp_marks; /**< Allocated units may carry the per-CPU cache mark (caches configured). */
};

/**
 * @brief One CPU's cache of small free blocks (caller-allocated, private).
 *
 * The caller provides an array of kk_buddy_config::ncpus of these; the
 * allocator initialises and owns them after kk_buddy_init().
 */
struct kk_buddy_pcp {
    uint32_t head[KK_BUDDY_PCP_ORDERS];  /**< Top of each order's stack (unit index), or ~0. */
    uint32_t count[KK_BUDDY_PCP_ORDERS]; /**< Blocks on each order's stack. */
};

/**
 * @brief Configuration of a frame allocator (STYLE: size first, zero = default).
 *
 * Only @c size, @c base, @c nframes, @c meta and @c meta_size are required.
 */
struct kk_buddy_config {
    uint32_t size;       /**< sizeof(struct kk_buddy_config); lets fields be appended. */
    uint32_t frame_size; /**< Frame size in bytes, a power of two >= 16; 0 = 4096. */
    uint32_t max_order;  /**< Largest block order, <= #KK_BUDDY_ORDER_LIMIT; 0 = 10. */
    void *ctx;           /**< Passed back to every callback. */
    uint64_t base;       /**< Physical address of the first frame the metadata covers. */
    uint64_t nframes; /**< Frames covered from @c base (holes included), <= #KK_BUDDY_MAX_FRAMES. */
    void *meta;       /**< Metadata buffer, 8-byte aligned, owned by the caller. */
    size_t meta_size; /**< Bytes at @c meta; at least kk_buddy_meta_size(nframes). */
    /** Allocator lock (e.g. a spinlock), or NULL when the caller serialises all calls. */
    void (*lock)(void *ctx);
    /** Releases the lock taken by @c lock. */
    void (*unlock)(void *ctx);
    /** Per-CPU caches: an array of @c ncpus entries, or NULL for no cache. */
    struct kk_buddy_pcp *pcp;
    uint32_t ncpus; /**< Entries in @c pcp. */
    uint32_t
        pcp_orders;     /**< Orders 0 .. pcp_orders-1 are cached, <= #KK_BUDDY_PCP_ORDERS; 0 = 1. */
    uint32_t pcp_high;  /**< Blocks per order a CPU keeps before giving back; 0 = 128. */
    uint32_t pcp_batch; /**< Blocks moved per refill or give-back; 0 = 32, at most @c pcp_high. */
    /** The calling CPU's number (taken modulo @c ncpus); required with @c pcp. */
    unsigned (*cpu_id)(void *ctx);
    /**
     * Lock one CPU's cache, or NULL when the caller guarantees exclusive use
     * (e.g. interrupts and preemption off and no kk_buddy_drain() from other
     * CPUs). Any CPU may lock any CPU's cache (kk_buddy_drain() does). Lock
     * order: a CPU lock is taken before @c lock.
     */
    void (*cpu_lock)(void *ctx, unsigned cpu);
    /** Unlock what @c cpu_lock locked. */
    void (*cpu_unlock)(void *ctx, unsigned cpu);
};

/**
 * @brief A frame allocator instance (caller-allocated; fields are private).
 */
struct kk_buddy {
    struct kk_buddy_engine e;                    /**< The free-list engine (units are frames). */
    uint32_t shift;                              /**< log2 of the frame size. */
    uint32_t magic;                              /**< Set by kk_buddy_init(). */
    void *ctx;                                   /**< kk_buddy_config::ctx. */
    void (*lock)(void *ctx);                     /**< kk_buddy_config::lock. */
    void (*unlock)(void *ctx);                   /**< kk_buddy_config::unlock. */
    struct kk_buddy_pcp *pcp;                    /**< kk_buddy_config::pcp. */
    uint32_t ncpus;                              /**< kk_buddy_config::ncpus. */
    uint32_t pcp_orders;                         /**< Cached orders. */
    uint32_t pcp_high;                           /**< High watermark per order. */
    uint32_t pcp_batch;                          /**< Batch size. */
    unsigned (*cpu_id)(void *ctx);               /**< kk_buddy_config::cpu_id. */
    void (*cpu_lock)(void *ctx, unsigned cpu);   /**< kk_buddy_config::cpu_lock. */
    void (*cpu_unlock)(void *ctx, unsigned cpu); /**< kk_buddy_config::cpu_unlock. */
};

/** @brief Statistics of a frame allocator (see kk_buddy_stats()). */
struct kk_buddy_stats {
    uint64_t total_frames;  /**< Frames added with kk_buddy_add_range(). */
    uint64_t free_frames;   /**< Frames on the buddy free lists. */
    uint64_t cached_frames; /**< Free frames held in per-CPU caches. */
    uint64_t used_frames;   /**< total - free - cached (allocated or reserved). */
    uint64_t free_blocks[KK_BUDDY_ORDER_LIMIT + 1]; /**< Free blocks per order (buddyinfo). */
    int largest_free_order; /**< Order of the largest free block, -1 when none. */
    /**
     * Fragmentation index in permille: 1000 * (1 - largest free block /
     * min(free frames, 2^max_order)); 0 when all free memory is one block or
     * all of it is in max-order blocks (or none is free).
     */
    uint32_t frag_permille;
};

/**
 * @brief Callback of kk_buddy_walk().
 * @param arg the walk's @p arg.
 * @param addr physical address of a free block.
 * @param order its order.
 * @return 0 to continue; anything else stops the walk and is returned by it.
 */
typedef int (*kk_buddy_walk_fn)(void *arg, uint64_t addr, unsigned order);

/**
 * @brief Metadata bytes needed for @p nframes frames (holes included).
 *
 * About 9.3 bytes per frame: one state byte, 8 bytes of free-list links and
 * two bits of per-order free bitmaps, plus about 1 KiB (bitmap rounding and
 * the reserve of freed blocks, 696 bytes).
 * @param nframes frames covered, 1 .. #KK_BUDDY_MAX_FRAMES.
 * @return the size, or 0 when @p nframes is out of range or the size does not
 *         fit in a size_t (possible on 32-bit targets above ~460 M frames).
 */
KK_API size_t kk_buddy_meta_size(uint64_t nframes);

/**
 * @brief Initialise an allocator with no free memory yet.
 *
 * O(nframes): clears the metadata. Then add memory with kk_buddy_add_range().
 * @param b the instance (caller-owned, any contents).
 * @param cfg the configuration; copied, so it may be freed afterwards. @c meta
 *        stays owned by the caller and must outlive @p b.
 * @return 0, or #KK_EINVAL for a NULL pointer, a bad size field, a frame size
 *         that is no power of two or below 16, an unaligned @c base or @c meta,
 *         @c nframes 0 or too large, a @c meta_size too small, max_order above
 *         #KK_BUDDY_ORDER_LIMIT, or an incomplete per-CPU configuration.
 */
KK_API int kk_buddy_init(struct kk_buddy *b, const struct kk_buddy_config *cfg);

/**
 * @brief Give the range [addr, addr + size) to the allocator as free memory.
 * @param b the allocator.
 * @param addr frame-aligned physical address inside the covered span.
 * @param size bytes, a non-zero multiple of the frame size.
 * @return 0, or #KK_EINVAL if misaligned, empty, outside the span or
 *         overlapping a range added before (nothing is added then).
 */
KK_API int kk_buddy_add_range(struct kk_buddy *b, uint64_t addr, uint64_t size);

/**
 * @brief Mark the free range [addr, addr + size) as in use (e.g. the kernel image).
 *
 * The frames become allocated; they may later be given back with
 * kk_buddy_free_pages().
 * @param b the allocator.
 * @param addr frame-aligned physical address.
 * @param size bytes, a non-zero multiple of the frame size.
 * @return 0; #KK_EINVAL if misaligned, empty or not added; #KK_EBUSY if a frame
 *         of the range is allocated (nothing is reserved then).
 */
KK_API int kk_buddy_reserve(struct kk_buddy *b, uint64_t addr, uint64_t size);

/**
 * @brief Allocate a block of 2^order frames, aligned to its size.
 * @param b the allocator.
 * @param order block order, <= max_order.
 * @param[out] addr physical address of the block.
 * @return 0; #KK_EINVAL for a bad order or NULL pointer; #KK_ENOMEM when no
 *         block is free (per-CPU caches are drained before giving up).
 */
KK_API int kk_buddy_alloc(struct kk_buddy *b, unsigned order, uint64_t *addr);

/**
 * @brief Allocate a block of 2^order frames lying entirely inside [min, max).
 *
 * For zones such as DMA32 (max = 4 GiB). Searches the per-order free bitmaps
 * inside the window (never a free list): O(orders * window / (64 * 2^order))
 * word reads in the worst case. Takes the smallest fitting free block.
 * @param b the allocator.
 * @param order block order, <= max_order.
 * @param min lowest acceptable physical address.
 * @param max end of the window (exclusive); max > min.
 * @param[out] addr physical address of the block.
 * @return 0; #KK_EINVAL for bad arguments; #KK_ENOMEM when nothing fits.
 */
KK_API int kk_buddy_alloc_window(struct kk_buddy *b, unsigned order, uint64_t min, uint64_t max,
                                 uint64_t *addr);

/**
 * @brief Allocate @p count contiguous frames (any count), aligned to @p align frames.
 *
 * Takes a block of the next power of two and gives the unused tail back at
 * once. Free the frames with kk_buddy_free_pages() (in one or several pieces).
 * @param b the allocator.
 * @param count frames, 1 .. 2^max_order.
 * @param align alignment in frames, a power of two <= 2^max_order; 0 or 1 = none
 *        (the block is still aligned to the largest power of two <= count).
 * @param[out] addr physical address of the first frame.
 * @return 0; #KK_EINVAL for bad arguments; #KK_ENOMEM when nothing fits.
 */
KK_API int kk_buddy_alloc_pages(struct kk_buddy *b, uint64_t count, uint64_t align, uint64_t *addr);

/**
 * @brief Allocate the specific block of 2^order frames at @p addr.
 * @param b the allocator.
 * @param addr physical address aligned to 2^order frames.
 * @param order block order, <= max_order.
 * @return 0; #KK_EINVAL for bad arguments or frames not added; #KK_EBUSY when
 *         part of the block is allocated.
 */
KK_API int kk_buddy_alloc_at(struct kk_buddy *b, uint64_t addr, unsigned order);

/**
 * @brief Free the block of 2^order frames allocated at @p addr.
 *
 * @p addr must be the start of an allocation of exactly this order (from
 * kk_buddy_alloc(), kk_buddy_alloc_window(), kk_buddy_alloc_at() or the bulk
 * call). To free part of an allocation use kk_buddy_free_pages().
 * @param b the allocator.
 * @param addr the block's address.
 * @param order the order it was allocated with.
 * @return 0, or #KK_EINVAL (double free, never allocated, wrong order,
 *         misaligned or out of range); the allocator is unchanged then.
 */
KK_API int kk_buddy_free(struct kk_buddy *b, uint64_t addr, unsigned order);

/**
 * @brief Free the allocated frames [addr, addr + count * frame_size).
 *
 * Any allocated sub-range may be freed: a part of one allocation, a tail from
 * kk_buddy_alloc_pages(), several adjacent allocations, reserved frames.
 * O(log count * max_order).
 * @param b the allocator.
 * @param addr frame-aligned address.
 * @param count frames, >= 1.
 * @return 0, or #KK_EINVAL if any frame of the range is not allocated (nothing
 *         is freed then) or the arguments are bad.
 */
KK_API int kk_buddy_free_pages(struct kk_buddy *b, uint64_t addr, uint64_t count);

/**
 * @brief Allocate up to @p n order-0 frames under one lock acquisition.
 * @param b the allocator.
 * @param[out] addrs receives the addresses.
 * @param n frames wanted.
 * @return frames allocated (fewer than @p n when memory runs out; 0 for bad arguments).
 */
KK_API size_t kk_buddy_alloc_bulk(struct kk_buddy *b, uint64_t *addrs, size_t n);

/**
 * @brief Free @p n order-0 frames under one lock acquisition.
 * @param b the allocator.
 * @param addrs the frames' addresses.
 * @param n number of addresses.
 * @return 0, or #KK_EINVAL if some address was invalid: the valid ones are
 *         freed, the invalid ones ignored.
 */
KK_API int kk_buddy_free_bulk(struct kk_buddy *b, const uint64_t *addrs, size_t n);

/**
 * @brief Give every per-CPU cache's blocks back to the buddy free lists.
 *
 * Without per-CPU caches it empties the reserve (freed blocks of orders 0-6,
 * at most 64 frames per order, that the allocator keeps unmerged for the next
 * allocation of their order).
 * @param b the allocator.
 * @return frames given back.
 */
KK_API uint64_t kk_buddy_drain(struct kk_buddy *b);

/**
 * @brief Fill @p st with the allocator's statistics. O(max_order + ncpus).
 * @param b the allocator.
 * @param[out] st the statistics.
 */
KK_API void kk_buddy_stats(struct kk_buddy *b, struct kk_buddy_stats *st);

/**
 * @brief Call @p fn for every free block on the buddy free lists (not the per-CPU caches).
 *
 * Runs under the allocator lock: @p fn must not call into @p b.
 * @param b the allocator.
 * @param fn the callback.
 * @param arg passed to @p fn.
 * @return 0 after a full walk, the first non-zero value @p fn returned, or
 *         #KK_EINVAL for an uninitialised @p b or a NULL @p fn (so a callback
 *         should stop with positive values to be told apart).
 */
KK_API int kk_buddy_walk(struct kk_buddy *b, kk_buddy_walk_fn fn, void *arg);

/**
 * @brief Write a text report (totals and buddyinfo-style free blocks per order).
 * @param b the allocator.
 * @param buf destination; always NUL-terminated when @p len > 0.
 * @param len bytes at @p buf.
 * @return the length of the full report (excluding the NUL); the text was
 *         truncated if this is >= @p len.
 */
KK_API size_t kk_buddy_dump(struct kk_buddy *b, char *buf, size_t len);

/**
 * @brief Verify every invariant of the allocator. O(nframes).
 *
 * Checks the free lists (links, orders, alignment, counts, bitmaps, the
 * non-empty mask), that no two free buddies are left unmerged, the state of
 * every frame, the frame totals and the per-CPU caches (or the reserve: its
 * bounds, each block in it once, an allocated head of its order marked held,
 * and no other block marked).
 * @param b the allocator.
 * @return 0, #KK_EINVAL for an uninitialised instance, #KK_ECORRUPT on the first violation.
 */
KK_API int kk_buddy_check(struct kk_buddy *b);

/* ------------------------------------------------------------------------ */
/* Byte heap                                                                */
/* ------------------------------------------------------------------------ */

/** Default minimum block of the heap in bytes. */
#define KK_HEAP_DEFAULT_MIN_BLOCK 16u
/** Default max_order of the heap (largest block: min_block << 26, 1 GiB at 16 bytes). */
#define KK_HEAP_DEFAULT_MAX_ORDER 26

struct kk_heap;
struct kk_heap_region;

/**
 * @brief Out-of-memory callback of a heap.
 *
 * Called without the heap lock when no region can satisfy a request. It may
 * call kk_heap_add_region() (like a `LockedHeapWithRescue`) and return 0 to
 * have the allocation retried, or return a negative KK_E* code to fail it.
 * @param ctx kk_heap_config::ctx.
 * @param h the heap.
 * @param size the requested size in bytes.
 * @param align the requested alignment in bytes.
 * @return 0 to retry (at most 8 times per allocation), negative to give up.
 */
typedef int (*kk_heap_oom_fn)(void *ctx, struct kk_heap *h, size_t size, size_t align);

/** @brief Configuration of a heap (STYLE: size first, zero = default). */
struct kk_heap_config {
    uint32_t size;             /**< sizeof(struct kk_heap_config). */
    uint32_t min_block;        /**< Smallest block in bytes, a power of two >= 8; 0 = 16. */
    uint32_t max_order;        /**< Largest block is min_block << max_order, <= 30; 0 = 26. */
    void *ctx;                 /**< Passed back to every callback. */
    kk_heap_oom_fn oom;        /**< Out-of-memory callback, or NULL. */
    void (*lock)(void *ctx);   /**< Heap lock, or NULL when the caller serialises. */
    void (*unlock)(void *ctx); /**< Releases @c lock. */
};

/** @brief A heap instance (caller-allocated; fields are private). */
struct kk_heap {
    struct kk_rb_root regions;   /**< Regions in a tree ordered by address. */
    struct kk_heap_region *hint; /**< Region of the last successful allocation. */
    uint32_t shift;              /**< log2 of the minimum block. */
    uint32_t max_order;          /**< Largest block order. */
    uint32_t magic;              /**< Set by kk_heap_init(). */
    uint32_t nregions;           /**< Regions added. */
    void *ctx;                   /**< kk_heap_config::ctx. */
    kk_heap_oom_fn oom;          /**< kk_heap_config::oom. */
    void (*lock)(void *ctx);     /**< kk_heap_config::lock. */
    void (*unlock)(void *ctx);   /**< kk_heap_config::unlock. */
};

/** @brief Statistics of a heap (see kk_heap_stats()). */
struct kk_heap_stats {
    size_t regions;      /**< Regions added. */
    size_t total_bytes;  /**< Bytes of all regions, metadata included. */
    size_t meta_bytes;   /**< Metadata: region headers (with their block caches) and one state byte
                            per block unit. */
    size_t free_bytes;   /**< Bytes in free blocks (cached freed blocks included). */
    size_t used_bytes;   /**< Bytes in allocated blocks (sizes rounded up to blocks). */
    size_t largest_free; /**< Largest free block in bytes (0 when none). */
};

/**
 * @brief Initialise an empty heap; add memory with kk_heap_add_region().
 * @param h the instance (caller-owned).
 * @param cfg configuration, copied.
 * @return 0, or #KK_EINVAL for NULL pointers, a bad size field, a min_block
 *         that is no power of two or below 8, max_order above 30, or only
 *         one of the lock hooks.
 */
KK_API int kk_heap_init(struct kk_heap *h, const struct kk_heap_config *cfg);

/**
 * @brief Bytes of metadata a region of @p size bytes costs (header, block cache, state bytes).
 * @param h the heap (for its minimum block).
 * @param size region size in bytes.
 * @return the overhead in bytes, or 0 when @p size is too small for a region.
 */
KK_API size_t kk_heap_region_overhead(const struct kk_heap *h, size_t size);

/**
 * @brief Add the memory [mem, mem + size) to the heap.
 *
 * The heap keeps its metadata (a header of about 800 bytes, in regions of
 * 128 KiB or more a cache of freed small blocks of at most size / 400 bytes
 * (5 KiB from 2 MiB on), plus one byte per minimum block) at the start of
 * the region; the region must stay mapped and untouched by the caller until
 * the heap is no longer used.
 * @param h the heap.
 * @param mem start of the region.
 * @param size its size in bytes.
 * @return 0; #KK_EINVAL for NULL pointers, a region too small for its header
 *         and one block, too large, or overlapping a region added before.
 */
KK_API int kk_heap_add_region(struct kk_heap *h, void *mem, size_t size);

/**
 * @brief Allocate @p size bytes, aligned to the block size (at least the minimum block).
 *
 * O(1) in the last region used (plus splits; a recently freed block of the
 * same order is reused from the region's cache), O(log regions) to find
 * another region when that has no fitting block. When nothing fits, the
 * cached blocks of every region are merged back (O(regions + cached blocks))
 * and the search is repeated; then the OOM callback may add a region and have
 * the call retried.
 * @param h the heap.
 * @param size bytes wanted.
 * @return the memory, or NULL for size 0, a size above the largest block, or
 *         out of memory.
 */
KK_API void *kk_heap_alloc(struct kk_heap *h, size_t size);

/**
 * @brief Allocate @p size bytes aligned to @p align.
 * @param h the heap.
 * @param size bytes wanted.
 * @param align alignment in bytes, a power of two.
 * @return the memory, or NULL for bad arguments or out of memory.
 */
KK_API void *kk_heap_alloc_aligned(struct kk_heap *h, size_t size, size_t align);

/**
 * @brief Free memory from kk_heap_alloc() and friends (no size needed).
 *
 * O(1) in the last region used, else O(log regions) to find the region. In
 * regions with a block cache, a block of the 10 smallest orders is parked in
 * the cache (still counted free, reused by the next allocation of its order)
 * and merged with its buddies when the cache is full or an allocation needs it.
 * @param h the heap.
 * @param ptr the block, or NULL (nothing happens).
 * @return 0, or #KK_EINVAL when @p ptr is not the start of an allocated block
 *         of this heap (double free, interior or foreign pointer); the heap is
 *         unchanged then.
 */
KK_API int kk_heap_free(struct kk_heap *h, void *ptr);

/**
 * @brief Resize a block: in place when the block size stays or shrinks, or
 *        when it grows and the buddies following it are free (no copy).
 * @param h the heap.
 * @param ptr the block, or NULL (then this is kk_heap_alloc()).
 * @param size new size; 0 frees @p ptr and returns NULL.
 * @return the (possibly moved) block with the old contents up to the smaller
 *         size, or NULL when out of memory or @p ptr is invalid (then @p ptr is
 *         left untouched).
 */
KK_API void *kk_heap_realloc(struct kk_heap *h, void *ptr, size_t size);

/**
 * @brief Usable bytes of an allocated block (its block size).
 * @param h the heap.
 * @param ptr the block.
 * @return the size, or 0 when @p ptr is not an allocated block of @p h.
 */
KK_API size_t kk_heap_usable_size(struct kk_heap *h, const void *ptr);

/**
 * @brief Fill @p st with the heap's statistics. O(regions * max_order).
 * @param h the heap.
 * @param[out] st the statistics.
 */
KK_API void kk_heap_stats(struct kk_heap *h, struct kk_heap_stats *st);

/**
 * @brief Verify every invariant of every region (see kk_buddy_check()). O(heap units).
 * @param h the heap.
 * @return 0, #KK_EINVAL for an uninitialised heap, #KK_ECORRUPT on a violation.
 */
KK_API int kk_heap_check(struct kk_heap *h);

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_BUDDY_H */
