/*
 * chan.c: bounded channel = ring buffer + mutex + two Mesa condvars.
 *
 * Invariants (mutex held): count <= cap; elements live at head..head+count-1
 * (mod cap); closed never goes back to 0. A sender that finds the channel
 * closed, before or after sleeping, returns KK_EPIPE without queueing, so
 * every element whose send returned 0 is received exactly once; receivers
 * drain what was queued before reporting KK_EPIPE. The caller's buffer is
 * only touched with the mutex held.
 */
#include "internal.h"

static bool chan_ok(const struct kk_chan *ch)
{
    return ch && ch->buf && wq_ok(&ch->m.wq);
}

int kk_chan_init(struct kk_chan *ch, const struct kk_sync_platform *plat, void *buf,
                 size_t elem_size, uint32_t capacity)
{
    int rc;
    /* capacity <= INT32_MAX: kk_chan_len() reports the count as a non-negative int */
    if (!ch || !buf || elem_size == 0 || capacity == 0 || capacity > INT32_MAX ||
        elem_size > SIZE_MAX / capacity)
        return KK_EINVAL;
    rc = kk_mutex_init(&ch->m, plat, 0);
    if (!rc)
        rc = kk_cond_init(&ch->not_full, plat);
    if (!rc)
        rc = kk_cond_init(&ch->not_empty, plat);
    if (rc)
        return rc;
    ch->buf = buf;
    ch->elem_size = elem_size;
    ch->cap = capacity;
    ch->head = ch->count = ch->closed = ch->waiting = 0;
    return 0;
}

int kk_chan_destroy(struct kk_chan *ch)
{
    int rc = 0;
    if (!chan_ok(ch))
        return KK_EINVAL;
    kk_mutex_lock(&ch->m);
    if (ch->waiting)
        rc = KK_EBUSY;
    kk_mutex_unlock(&ch->m);
    if (rc) {
        dbg_report(ch->m.wq.plat, KK_SYNC_R_BUSY, rc, ch, NULL, SITE());
        return rc;
    }
    kk_cond_destroy(&ch->not_full);
    kk_cond_destroy(&ch->not_empty);
    kk_mutex_destroy(&ch->m);
    ch->buf = NULL;
    return 0;
}

/* Move one element in or out (mutex held, room/element checked). */
static void copy_elem(struct kk_chan *ch, void *elem, bool send)
{
    uint32_t slot = send ? (ch->head + ch->count) % ch->cap : ch->head;
    unsigned char *p = ch->buf + (size_t)slot * ch->elem_size;

    if (send) {
        kk_memcpy(p, elem, ch->elem_size);
        ch->count++;
        kk_cond_signal(&ch->not_empty);
    } else {
        kk_memcpy(elem, p, ch->elem_size);
        ch->head = (ch->head + 1) % ch->cap;
        ch->count--;
        kk_cond_signal(&ch->not_full);
    }
}

static int xfer(struct kk_chan *ch, void *elem, bool send, uint64_t deadline, int busy_rc)
{
    int rc;

    if (!chan_ok(ch) || !elem)
        return KK_EINVAL;
    if (wq_deadline_ok(ch->m.wq.plat, deadline))
        return KK_ENOTSUP;
    rc = kk_mutex_lock(&ch->m);
    if (rc)
        return rc;
    for (;;) {
        if (send && ch->closed) {
            rc = KK_EPIPE;
            break;
        }
        if (send ? ch->count < ch->cap : ch->count > 0) {
            copy_elem(ch, elem, send);
            break;
        }
        if (ch->closed) {
            rc = KK_EPIPE;
            break;
        }
        ch->waiting++;
        rc = kk_cond_wait_timeout(send ? &ch->not_full : &ch->not_empty, &ch->m, deadline);
        ch->waiting--;
        if (rc == KK_ETIMEDOUT) {
            rc = busy_rc;
            break;
        }
    }
    kk_mutex_unlock(&ch->m);
    return rc;
}

int kk_chan_send(struct kk_chan *ch, const void *elem)
{
    return xfer(ch, (void *)(uintptr_t)elem, true, KK_SYNC_FOREVER, KK_ETIMEDOUT);
}

int kk_chan_send_timeout(struct kk_chan *ch, const void *elem, uint64_t deadline)
{
    return xfer(ch, (void *)(uintptr_t)elem, true, deadline, KK_ETIMEDOUT);
}

int kk_chan_try_send(struct kk_chan *ch, const void *elem)
{
    return xfer(ch, (void *)(uintptr_t)elem, true, 0, KK_EAGAIN);
}

int kk_chan_recv(struct kk_chan *ch, void *elem)
{
    return xfer(ch, elem, false, KK_SYNC_FOREVER, KK_ETIMEDOUT);
}

int kk_chan_recv_timeout(struct kk_chan *ch, void *elem, uint64_t deadline)
{
    return xfer(ch, elem, false, deadline, KK_ETIMEDOUT);
}

int kk_chan_try_recv(struct kk_chan *ch, void *elem)
{
    return xfer(ch, elem, false, 0, KK_EAGAIN);
}

int kk_chan_close(struct kk_chan *ch)
{
    int rc = 0;
    if (!chan_ok(ch))
        return KK_EINVAL;
    kk_mutex_lock(&ch->m);
    if (ch->closed) {
        rc = KK_EALREADY;
    } else {
        ch->closed = 1;
        kk_cond_broadcast(&ch->not_full);
        kk_cond_broadcast(&ch->not_empty);
    }
    kk_mutex_unlock(&ch->m);
    return rc;
}

int kk_chan_len(struct kk_chan *ch)
{
    int n;
    if (!chan_ok(ch))
        return KK_EINVAL;
    kk_mutex_lock(&ch->m);
    n = (int)ch->count;
    kk_mutex_unlock(&ch->m);
    return n;
}
