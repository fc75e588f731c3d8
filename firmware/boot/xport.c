/*
 * Transport helpers (boot/xport.h): connecting with a deadline on top of the
 * non-blocking open/opened pair.
 */
#include "boot/xport.h"

struct open_wait {
    struct nb_xport *x;
    int ready;
    nb_err err;
};

static int open_done(void *ctx)
{
    struct open_wait *w = ctx;
    w->err = w->x->ops->opened(w->x, &w->ready);
    return w->err != NB_OK || w->ready;
}

nb_err nb_xport_connect(struct nb_xport *x, const struct nb_ip *ip, uint16_t port,
                        const char *host, uint64_t deadline_us)
{
    nb_err e = x->ops->open(x, ip, port, host);
    if (e != NB_OK)
        return e;
    struct open_wait w = { x, 0, NB_OK };
    if (!open_done(&w)) {
        e = x->ops->wait(x, open_done, &w, deadline_us);
        if (e == NB_E_TIMEOUT)
            w.err = NB_E_CONN_TIMEOUT;
        else if (e != NB_OK)
            w.err = e;
    }
    if (w.err != NB_OK) {
        x->ops->close(x);
        return w.err;
    }
    return NB_OK;
}
