/* An xv6-style kernel defines these short names itself: linking every
 * kernkit archive whole beside them must not clash (see CMakeLists.txt).
 * Each returns a distinct value; main checks they are the ones called. */
#include <kernkit/base.h>
#include <stdio.h>

int bread(void);
int bread(void)
{
    return 1;
}
int bwrite(void);
int bwrite(void)
{
    return 2;
}
int brelse(void);
int brelse(void)
{
    return 3;
}
int bget(void);
int bget(void)
{
    return 4;
}
int bmap(void);
int bmap(void)
{
    return 5;
}
int ialloc(void);
int ialloc(void)
{
    return 6;
}
int iget(void);
int iget(void)
{
    return 7;
}
int iput(void);
int iput(void)
{
    return 8;
}
int iupdate(void);
int iupdate(void)
{
    return 9;
}
int itrunc(void);
int itrunc(void)
{
    return 10;
}
int iread(void);
int iread(void)
{
    return 11;
}
int iwrite(void);
int iwrite(void)
{
    return 12;
}
int dir_find(void);
int dir_find(void)
{
    return 13;
}
int dir_readdir(void);
int dir_readdir(void)
{
    return 14;
}
int cache_init(void);
int cache_init(void)
{
    return 15;
}
int cache_fini(void);
int cache_fini(void)
{
    return 16;
}
int sync_all(void);
int sync_all(void)
{
    return 17;
}
int block_alloc(void);
int block_alloc(void)
{
    return 18;
}
int block_free(void);
int block_free(void)
{
    return 19;
}
int dev_read(void);
int dev_read(void)
{
    return 20;
}
int dev_write(void);
int dev_write(void)
{
    return 21;
}
int check_name(void);
int check_name(void)
{
    return 22;
}
int pin(void);
int pin(void)
{
    return 23;
}
int unpin(void);
int unpin(void)
{
    return 24;
}
int sfs_alloc(void);
int sfs_alloc(void)
{
    return 25;
}
int sfs_free(void);
int sfs_free(void)
{
    return 26;
}
int sfs_lock(void);
int sfs_lock(void)
{
    return 27;
}
int sfs_unlock(void);
int sfs_unlock(void)
{
    return 28;
}
int valid_block(void);
int valid_block(void)
{
    return 29;
}
int wq_init(void);
int wq_init(void)
{
    return 30;
}
int wq_wake(void);
int wq_wake(void)
{
    return 31;
}
int wq_sleep(void);
int wq_sleep(void)
{
    return 32;
}
int wq_lock(void);
int wq_lock(void)
{
    return 33;
}
int wq_unlock(void);
int wq_unlock(void)
{
    return 34;
}
int wq_enqueue(void);
int wq_enqueue(void)
{
    return 35;
}
int units_give(void);
int units_give(void)
{
    return 36;
}
int units_take(void);
int units_take(void)
{
    return 37;
}
int eng_add(void);
int eng_add(void)
{
    return 38;
}
int eng_find(void);
int eng_find(void)
{
    return 39;
}
int eng_setup(void);
int eng_setup(void)
{
    return 40;
}
int eng_check(void);
int eng_check(void)
{
    return 41;
}
int pcp_alloc(void);
int pcp_alloc(void)
{
    return 42;
}
int pcp_free(void);
int pcp_free(void)
{
    return 43;
}
int pcp_setup(void);
int pcp_setup(void)
{
    return 44;
}
int pcp_check(void);
int pcp_check(void)
{
    return 45;
}
int buddy_ok(void);
int buddy_ok(void)
{
    return 46;
}
int pt_desc(void);
int pt_desc(void)
{
    return 47;
}
int pt_rollback(void);
int pt_rollback(void)
{
    return 48;
}
int pt_check_range(void);
int pt_check_range(void)
{
    return 49;
}
int pt_defer_free(void);
int pt_defer_free(void)
{
    return 50;
}

int main(void)
{
    int sum = 0;
    sum += bread();
    sum += bwrite();
    sum += brelse();
    sum += bget();
    sum += bmap();
    sum += ialloc();
    sum += iget();
    sum += iput();
    sum += iupdate();
    sum += itrunc();
    sum += iread();
    sum += iwrite();
    sum += dir_find();
    sum += dir_readdir();
    sum += cache_init();
    sum += cache_fini();
    sum += sync_all();
    sum += block_alloc();
    sum += block_free();
    sum += dev_read();
    sum += dev_write();
    sum += check_name();
    sum += pin();
    sum += unpin();
    sum += sfs_alloc();
    sum += sfs_free();
    sum += sfs_lock();
    sum += sfs_unlock();
    sum += valid_block();
    sum += wq_init();
    sum += wq_wake();
    sum += wq_sleep();
    sum += wq_lock();
    sum += wq_unlock();
    sum += wq_enqueue();
    sum += units_give();
    sum += units_take();
    sum += eng_add();
    sum += eng_find();
    sum += eng_setup();
    sum += eng_check();
    sum += pcp_alloc();
    sum += pcp_free();
    sum += pcp_setup();
    sum += pcp_check();
    sum += buddy_ok();
    sum += pt_desc();
    sum += pt_rollback();
    sum += pt_check_range();
    sum += pt_defer_free();
    if (sum != 1275 || kk_version() == 0) {
        fprintf(stderr, "namespace-clash: wrong function called\n");
        return 1;
    }
    printf("namespace-clash: 50 short names beside every kernkit archive\n");
    return 0;
}
