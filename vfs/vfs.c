/*
 * vfs.c: placeholder until the VFS lands (keeps the library non-empty).
 */
#include <kernkit/vfs.h>

KK_API uint32_t kk_vfs_version(void);
uint32_t kk_vfs_version(void)
{
    return KK_FS_PLATFORM_VERSION;
}
