/* A program outside the tree, built against an installed kernkit. */
#include <stdio.h>
#include <string.h>

#include <kernkit/base.h>
#include <kernkit/list.h>

int main(void)
{
    struct kk_list head;
    kk_list_init(&head);
    if (kk_version() != KERNKIT_VERSION || !kk_list_empty(&head) ||
        strcmp(kk_strerror(KK_ENOENT), kk_strerror(-KK_ENOENT)) != 0) {
        printf("kernkit mismatch\n");
        return 1;
    }
    printf("kernkit %s ok\n", kk_version_string());
    return 0;
}
