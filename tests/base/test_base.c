/* Tests for kernkit/base.h and kernkit/list.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <kernkit/base.h>
#include <kernkit/list.h>

static void error_codes_match_linux_errno(void **state)
{
    (void)state;
    assert_int_equal(KK_ENOENT, -ENOENT);
    assert_int_equal(KK_EIO, -EIO);
    assert_int_equal(KK_EAGAIN, -EAGAIN);
    assert_int_equal(KK_ENOMEM, -ENOMEM);
    assert_int_equal(KK_EFAULT, -EFAULT);
    assert_int_equal(KK_EBUSY, -EBUSY);
    assert_int_equal(KK_EEXIST, -EEXIST);
    assert_int_equal(KK_ENOTDIR, -ENOTDIR);
    assert_int_equal(KK_EISDIR, -EISDIR);
    assert_int_equal(KK_EINVAL, -EINVAL);
    assert_int_equal(KK_EFBIG, -EFBIG);
    assert_int_equal(KK_ENOSPC, -ENOSPC);
    assert_int_equal(KK_EPIPE, -EPIPE);
    assert_int_equal(KK_ENAMETOOLONG, -ENAMETOOLONG);
    assert_int_equal(KK_ENOSYS, -ENOSYS);
    assert_int_equal(KK_ENOTEMPTY, -ENOTEMPTY);
    assert_int_equal(KK_ELOOP, -ELOOP);
    assert_int_equal(KK_ETIMEDOUT, -ETIMEDOUT);
    assert_int_equal(KK_ECORRUPT, -EUCLEAN);
    assert_int_equal(KK_EXDEV, -EXDEV);
    assert_int_equal(KK_EMLINK, -EMLINK);
    assert_int_equal(KK_EDEADLK, -EDEADLK);
}

static void strerror_describes_every_code(void **state)
{
    (void)state;
    const char *unknown = kk_strerror(-4095);
    assert_string_equal(unknown, "Unknown error");
    assert_string_equal(kk_strerror(0), "Success");
    /* Every defined code has its own text, and either sign works. */
    int codes[] = {KK_EPERM,  KK_ENOENT,  KK_EIO,    KK_ENOMEM,    KK_EINVAL,
                   KK_ENOSPC, KK_ENOTDIR, KK_EISDIR, KK_ENOTEMPTY, KK_ENAMETOOLONG,
                   KK_ELOOP,  KK_EBUSY,   KK_EAGAIN, KK_EPIPE,     KK_ECORRUPT,
                   KK_ENOSYS, KK_EEXIST,  KK_EFAULT, KK_ETIMEDOUT, KK_EDEADLK};
    for (size_t i = 0; i < KK_ARRAY_SIZE(codes); i++) {
        const char *t = kk_strerror(codes[i]);
        assert_non_null(t);
        assert_string_not_equal(t, unknown);
        assert_ptr_equal(t, kk_strerror(-codes[i]));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t, kk_strerror(codes[j]));
    }
    /* One vocabulary: the C library's strerror() words (Linux errno values). */
    for (int e = 1; e < 4096; e++)
        if (kk_strerror_name(-e)[4] != '?')
            assert_string_equal(kk_strerror(-e), strerror(e));
    assert_string_equal(kk_strerror_name(KK_ENOENT), "KK_ENOENT");
    assert_string_equal(kk_strerror_name(KK_ECORRUPT), "KK_ECORRUPT");
    assert_string_equal(kk_strerror_name(0), "KK_OK");
    assert_string_equal(kk_strerror_name(-9999), "KK_E?");
}

static void version_matches_headers(void **state)
{
    (void)state;
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", KERNKIT_VERSION_MAJOR, KERNKIT_VERSION_MINOR,
             KERNKIT_VERSION_PATCH);
    assert_int_equal(kk_version(), KERNKIT_VERSION);
    assert_string_equal(kk_version_string(), buf);
    assert_string_equal(KERNKIT_VERSION_STRING, buf);
    assert_true(KERNKIT_VERSION_ENCODE(1, 2, 3) > KERNKIT_VERSION_ENCODE(1, 1, 255));
    assert_true(KERNKIT_VERSION_ENCODE(2, 0, 0) > KERNKIT_VERSION_ENCODE(1, 255, 255));
}

struct item {
    int value;
    struct kk_list node;
};

static void container_of_recovers_object(void **state)
{
    (void)state;
    struct item it = {.value = 42};
    struct kk_list *n = &it.node;
    assert_ptr_equal(container_of(n, struct item, node), &it);
    assert_int_equal(kk_list_entry(n, struct item, node)->value, 42);
    KK_STATIC_ASSERT(sizeof(uint32_t) == 4, "u32 is 4 bytes");
}

static int list_values(struct kk_list *head, int *out, int max)
{
    struct kk_list *pos;
    int n = 0;
    kk_list_for_each(pos, head)
    {
        if (n < max)
            out[n] = kk_list_entry(pos, struct item, node)->value;
        n++;
    }
    return n;
}

static void list_operations_keep_order(void **state)
{
    (void)state;
    struct kk_list head = KK_LIST_INIT(head);
    struct item it[5];
    int vals[8];

    assert_true(kk_list_empty(&head));
    assert_null(kk_list_first(&head));
    for (int i = 0; i < 5; i++) {
        it[i].value = i;
        kk_list_add_tail(&head, &it[i].node);
    }
    assert_false(kk_list_empty(&head));
    assert_int_equal(list_values(&head, vals, 8), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(vals[i], i);

    kk_list_del(&it[2].node);
    assert_true(kk_list_empty(&it[2].node));
    kk_list_add(&head, &it[2].node);
    assert_int_equal(list_values(&head, vals, 8), 5);
    int expect[] = {2, 0, 1, 3, 4};
    assert_memory_equal(vals, expect, sizeof expect);

    /* Delete everything while iterating. */
    struct kk_list *pos, *tmp;
    int seen = 0;
    kk_list_for_each_safe(pos, tmp, &head)
    {
        kk_list_del(pos);
        seen++;
    }
    assert_int_equal(seen, 5);
    assert_true(kk_list_empty(&head));
}

static void list_splice_moves_all(void **state)
{
    (void)state;
    struct kk_list a, b;
    struct item it[4];
    int vals[8];
    kk_list_init(&a);
    kk_list_init(&b);
    for (int i = 0; i < 4; i++) {
        it[i].value = i;
        kk_list_add_tail(i < 2 ? &a : &b, &it[i].node);
    }
    kk_list_splice_tail(&a, &b);
    assert_true(kk_list_empty(&b));
    assert_int_equal(list_values(&a, vals, 8), 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(vals[i], i);
    kk_list_splice_tail(&a, &b); /* empty source: no change */
    assert_int_equal(list_values(&a, vals, 8), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_codes_match_linux_errno),
        cmocka_unit_test(strerror_describes_every_code),
        cmocka_unit_test(version_matches_headers),
        cmocka_unit_test(container_of_recovers_object),
        cmocka_unit_test(list_operations_keep_order),
        cmocka_unit_test(list_splice_moves_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
