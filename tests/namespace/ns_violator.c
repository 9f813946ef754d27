/* Negative control for check-symbols: a global outside the kk_ namespace. */
int bread(int blkno);
int bread(int blkno)
{
    return blkno + 1;
}
