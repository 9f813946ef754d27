/* badptr: system calls given kernel, unmapped, misaligned-at-the-edge and
 * read-only addresses must fail with -EFAULT and leave the process running;
 * an exec with more arguments than ARGMAX bytes hold fails with -E2BIG. */
#include "check.h"

#define KADDR    ((void *)0xffffffc080200000ul)
#define UNMAPPED ((void *)0x12345000ul)
#define NONCANON ((void *)0x0000800000000000ul)

int main(void)
{
    void *bad[] = {KADDR, UNMAPPED, NONCANON, (void *)0};
    struct stat st;
    int fds[2];
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *b = bad[i];
        CHECK_EQ(write(1, b, 16), -EFAULT);
        CHECK_EQ(open(b, O_RDONLY), -EFAULT);
        CHECK_EQ(exec(b, NULL), -EFAULT);
        CHECK_EQ(mkdir(b), -EFAULT);
        CHECK_EQ(unlink(b), -EFAULT);
        CHECK_EQ(chdir(b), -EFAULT);
        CHECK_EQ(pipe((int *)b), -EFAULT);
        CHECK_EQ(sysinfo((struct sysinfo *)b), -EFAULT);
        int fd = open("/bin/sh", O_RDONLY);
        CHECK(fd >= 0);
        CHECK_EQ(read(fd, b, 64), -EFAULT);
        CHECK_EQ(fstat(fd, (struct stat *)b), -EFAULT);
        close(fd);
        fd = open("/", O_RDONLY);
        CHECK_EQ(getdents(fd, b, 512), -EFAULT);
        close(fd);
        char *argv[] = {"echo", b, NULL};
        if (b) { /* (a NULL would just end argv, or be an empty argv) */
            CHECK_EQ(exec("/bin/echo", argv), -EFAULT);
            CHECK_EQ(exec("/bin/echo", (char **)b), -EFAULT);
        }
    }
    char *text = (char *)main;
    int fd = open("/bin/sh", O_RDONLY);
    CHECK_EQ(read(fd, text, 16), -EFAULT); /* text is not writable */
    CHECK_EQ(fstat(fd, &st), 0);
    close(fd);
    if (fork() == 0) /* the pointer is checked before anything else */
        exit(wait((int *)KADDR) == -EFAULT ? 0 : 1);
    int status = -1;
    CHECK(wait(&status) > 0);
    CHECK_EQ(status, 0);
    if (fork() == 0)
        exit(3);
    CHECK_EQ(wait((int *)KADDR), -EFAULT);
    CHECK(wait(NULL) > 0); /* a failed wait() must not have consumed the child */
    CHECK_EQ(pipe(fds), 0);
    CHECK_EQ(write(fds[1], UNMAPPED, 1), -EFAULT);
    close(fds[0]);
    close(fds[1]);
    /* exec's arguments: ARGMAX bytes of strings and pointers, then -E2BIG */
    static char *many[ARGMAX / 8 + 2], big[ARGMAX + 1];
    for (int i = 0; i < ARGMAX / 8 + 1; i++)
        many[i] = "x"; /* 10 bytes each: 410 of them do not fit */
    CHECK_EQ(exec("/bin/echo", many), -E2BIG);
    many[300] = UNMAPPED; /* a bad pointer among fitting ones is still caught */
    many[301] = NULL;
    CHECK_EQ(exec("/bin/echo", many), -EFAULT);
    memset(big, 'y', ARGMAX);
    char *one[] = {"echo", big, NULL}; /* one string longer than the page */
    CHECK_EQ(exec("/bin/echo", one), -E2BIG);
    return check_done("badptr");
}
