/**
 * @file sfs_format.h
 * @brief The on-disk format of uCore's Simple File System (SFS): the one
 *        definition shared by the library, the host tools and the fuzzers.
 *
 * Everything on disk is little-endian whatever the host. The structs below
 * describe the layout (field order and sizes); code never reads them by
 * casting a block buffer, it uses the decode/encode helpers, which are
 * endian- and alignment-safe. See docs/sfs-format.md for the full specification.
 *
 * Layout of an image of @c blocks 4096-byte blocks:
 * - block 0: superblock (struct kk_sfs_disk_super)
 * - block 1: root directory inode
 * - blocks 2 .. 2 + kk_sfs_freemap_blocks(blocks) - 1: free map (bit set = free)
 * - every other block: an inode, a data block or an indirect block.
 */
#ifndef KERNKIT_SFS_FORMAT_H
#define KERNKIT_SFS_FORMAT_H

#include <stdint.h>
#include <stddef.h>

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Superblock magic number. */
#define KK_SFS_MAGIC 0x2f8dbe2aU
/** Size of an SFS block in bytes. */
#define KK_SFS_BLKSIZE 4096u
/** Number of direct block pointers in an inode. */
#define KK_SFS_NDIRECT 12u
/** Bytes of the superblock's info string, including its NUL. */
#define KK_SFS_INFO_LEN 32u
/** Longest file name in bytes (the on-disk name field holds one more, a NUL). */
#define KK_SFS_MAX_NAME 255u
/** Block number of the superblock. */
#define KK_SFS_BLKN_SUPER 0u
/** Block number (and inode number) of the root directory. */
#define KK_SFS_BLKN_ROOT 1u
/** First block of the free map. */
#define KK_SFS_BLKN_FREEMAP 2u
/** Bits per free-map block. */
#define KK_SFS_BLKBITS (KK_SFS_BLKSIZE * 8u)
/** Block pointers per indirect block. */
#define KK_SFS_NENTRY (KK_SFS_BLKSIZE / 4u)
/** Bytes a directory's size grows by per entry slot (the name field). */
#define KK_SFS_DENTRY_SIZE 256u
/** Largest number of data blocks a file can map (direct + indirect + double indirect). */
#define KK_SFS_MAX_FILE_BLOCKS                                                                     \
    ((uint32_t)(KK_SFS_NDIRECT + KK_SFS_NENTRY + KK_SFS_NENTRY * KK_SFS_NENTRY))
/** Longest symbolic link target in bytes (it lives in one data block). */
#define KK_SFS_MAX_LINK (KK_SFS_BLKSIZE - 1u)

/** Inode types as stored in kk_sfs_disk_inode::type. */
enum kk_sfs_type {
    KK_SFS_TYPE_INVAL = 0, /**< Never valid on disk. */
    KK_SFS_TYPE_FILE = 1,  /**< Regular file. */
    KK_SFS_TYPE_DIR = 2,   /**< Directory. */
    KK_SFS_TYPE_LINK = 3   /**< Symbolic link (data = target, no NUL). */
};

/** On-disk superblock (block 0, 44 bytes used, rest of the block zero). */
struct kk_sfs_disk_super {
    uint32_t magic;             /**< KK_SFS_MAGIC. */
    uint32_t blocks;            /**< Number of blocks in the file system. */
    uint32_t unused_blocks;     /**< Number of free blocks (set bits in the free map). */
    char info[KK_SFS_INFO_LEN]; /**< NUL-terminated description ("simple file system"). */
};

/** On-disk inode: at the start of its own block; its number is that block's number. */
struct kk_sfs_disk_inode {
    uint32_t size;                   /**< Size in bytes (directories: 256 per slot). */
    uint16_t type;                   /**< One of enum kk_sfs_type. */
    uint16_t nlinks;                 /**< Hard links (directories: 2 + subdirectories). */
    uint32_t blocks;                 /**< Logical blocks (files: ceil(size/4096); dirs: slots). */
    uint32_t direct[KK_SFS_NDIRECT]; /**< Direct block pointers (0 = hole). */
    uint32_t indirect;               /**< Block of 1024 pointers for blocks 12..1035. */
    uint32_t db_indirect;            /**< Block of 1024 indirect pointers for the rest. */
};

/** On-disk directory entry: at the start of each directory data block. */
struct kk_sfs_disk_entry {
    uint32_t ino;                   /**< Inode number, 0 = free slot. */
    char name[KK_SFS_MAX_NAME + 1]; /**< NUL-terminated name. */
};

/** Encoded size of struct kk_sfs_disk_super. */
#define KK_SFS_SUPER_BYTES 44u
/** Encoded size of struct kk_sfs_disk_inode. */
#define KK_SFS_INODE_BYTES 68u
/** Encoded size of struct kk_sfs_disk_entry. */
#define KK_SFS_ENTRY_BYTES 260u

/**
 * @brief Read a little-endian 32-bit value.
 * @param p at least 4 readable bytes (any alignment).
 * @return the value in host order.
 */
static inline uint32_t kk_sfs_get32(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

/**
 * @brief Write a 32-bit value little-endian.
 * @param p at least 4 writable bytes (any alignment).
 * @param v the value.
 */
static inline void kk_sfs_put32(void *p, uint32_t v)
{
    uint8_t *b = (uint8_t *)p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

/**
 * @brief Number of free-map blocks of a file system of @p blocks blocks.
 * @param blocks total blocks.
 * @return ceil(blocks / 32768).
 */
static inline uint32_t kk_sfs_freemap_blocks(uint32_t blocks)
{
    return (uint32_t)(((uint64_t)blocks + KK_SFS_BLKBITS - 1) / KK_SFS_BLKBITS);
}

/**
 * @brief First block after the free map (the first block inodes and data may use).
 * @param blocks total blocks.
 * @return 2 + kk_sfs_freemap_blocks(blocks).
 */
static inline uint32_t kk_sfs_first_data_block(uint32_t blocks)
{
    return KK_SFS_BLKN_FREEMAP + kk_sfs_freemap_blocks(blocks);
}

/**
 * @brief Decode a superblock.
 * @param blk the first KK_SFS_SUPER_BYTES bytes of block 0.
 * @param s filled in; info is not guaranteed NUL-terminated on a corrupt image.
 */
static inline void kk_sfs_super_decode(const void *blk, struct kk_sfs_disk_super *s)
{
    const uint8_t *b = (const uint8_t *)blk;
    unsigned i;
    s->magic = kk_sfs_get32(b);
    s->blocks = kk_sfs_get32(b + 4);
    s->unused_blocks = kk_sfs_get32(b + 8);
    for (i = 0; i < KK_SFS_INFO_LEN; i++)
        s->info[i] = (char)b[12 + i];
}

/**
 * @brief Encode a superblock.
 * @param s the superblock.
 * @param blk receives KK_SFS_SUPER_BYTES bytes (the caller zeroes the rest of the block).
 */
static inline void kk_sfs_super_encode(const struct kk_sfs_disk_super *s, void *blk)
{
    uint8_t *b = (uint8_t *)blk;
    unsigned i;
    kk_sfs_put32(b, s->magic);
    kk_sfs_put32(b + 4, s->blocks);
    kk_sfs_put32(b + 8, s->unused_blocks);
    for (i = 0; i < KK_SFS_INFO_LEN; i++)
        b[12 + i] = (uint8_t)s->info[i];
}

/**
 * @brief Decode an inode.
 * @param blk the first KK_SFS_INODE_BYTES bytes of the inode's block.
 * @param d filled in (no validation).
 */
static inline void kk_sfs_inode_decode(const void *blk, struct kk_sfs_disk_inode *d)
{
    const uint8_t *b = (const uint8_t *)blk;
    unsigned i;
    d->size = kk_sfs_get32(b);
    d->type = (uint16_t)(b[4] | (b[5] << 8));
    d->nlinks = (uint16_t)(b[6] | (b[7] << 8));
    d->blocks = kk_sfs_get32(b + 8);
    for (i = 0; i < KK_SFS_NDIRECT; i++)
        d->direct[i] = kk_sfs_get32(b + 12 + 4 * i);
    d->indirect = kk_sfs_get32(b + 60);
    d->db_indirect = kk_sfs_get32(b + 64);
}

/**
 * @brief Encode an inode.
 * @param d the inode.
 * @param blk receives KK_SFS_INODE_BYTES bytes.
 */
static inline void kk_sfs_inode_encode(const struct kk_sfs_disk_inode *d, void *blk)
{
    uint8_t *b = (uint8_t *)blk;
    unsigned i;
    kk_sfs_put32(b, d->size);
    b[4] = (uint8_t)d->type;
    b[5] = (uint8_t)(d->type >> 8);
    b[6] = (uint8_t)d->nlinks;
    b[7] = (uint8_t)(d->nlinks >> 8);
    kk_sfs_put32(b + 8, d->blocks);
    for (i = 0; i < KK_SFS_NDIRECT; i++)
        kk_sfs_put32(b + 12 + 4 * i, d->direct[i]);
    kk_sfs_put32(b + 60, d->indirect);
    kk_sfs_put32(b + 64, d->db_indirect);
}

/**
 * @brief Test a block's bit in a free-map byte array.
 * @param map the free map bytes (block 2 onwards, concatenated).
 * @param blkno block number.
 * @return 1 if the map says the block is free, else 0.
 */
static inline int kk_sfs_map_test(const uint8_t *map, uint32_t blkno)
{
    return (map[blkno >> 3] >> (blkno & 7)) & 1;
}

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_SFS_FORMAT_H */
