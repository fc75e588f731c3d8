/*
 * Plain TCP as a byte-stream transport (boot/xport.h). A thin mapping:
 * open = tcp_connect, opened = the state left SYN_SENT, recv = tcp_recv with
 * end-of-stream and errors told apart, wait = the stack's loop.
 */
#include "boot/xport_tcp.h"
#include "net/stack.h"
#include <string.h>

static struct nb_xport_tcp *tcp_of(struct nb_xport *x) { return (struct nb_xport_tcp *)x; }

static nb_err ended(const struct tcp_conn *c)
{
    nb_err e = tcp_get_error(c);
    return e != NB_OK ? e : NB_E_CONN_CLOSED;
}

static nb_err t_open(struct nb_xport *x, const struct nb_ip *ip, uint16_t port, const char *host)
{
    struct nb_xport_tcp *t = tcp_of(x);
    (void)host;
    if (t->used && tcp_get_state(&t->conn) != TCP_CLOSED)
        tcp_abort(&t->conn); /* a previous connection still closing */
    t->used = 1;
    return tcp_connect(&t->conn, ip, port, t->rx, t->rxcap, t->tx, t->txcap, &t->params);
}

static nb_err t_opened(struct nb_xport *x, int *ready)
{
    struct tcp_conn *c = &tcp_of(x)->conn;
    enum tcp_state s = tcp_get_state(c);
    *ready = 0;
    if (s == TCP_SYN_SENT)
        return NB_OK;
    if (s == TCP_CLOSED)
        return ended(c);
    *ready = 1;
    return NB_OK;
}

static nb_err t_send(struct nb_xport *x, const void *p, size_t n, size_t *taken)
{
    long r = tcp_send(&tcp_of(x)->conn, p, n);
    *taken = 0;
    if (r < 0)
        return (nb_err)-r;
    *taken = (size_t)r;
    return NB_OK;
}

static nb_err t_recv(struct nb_xport *x, void *p, size_t n, size_t *got)
{
    struct tcp_conn *c = &tcp_of(x)->conn;
    *got = tcp_recv(c, p, n);
    if (*got)
        return NB_OK;
    if (tcp_eof(c))
        return NB_E_CONN_CLOSED;
    if (tcp_get_state(c) == TCP_CLOSED)
        return ended(c);
    return NB_OK;
}

static void t_close(struct nb_xport *x)
{
    struct nb_xport_tcp *t = tcp_of(x);
    if (t->used)
        tcp_close(&t->conn);
}

static nb_err t_wait(struct nb_xport *x, int (*done)(void *), void *ctx, uint64_t deadline_us)
{
    (void)x;
    return net_run_until(done, ctx, deadline_us);
}

static const struct nb_xport_ops tcp_ops = {
    .name = "tcp",
    .open = t_open,
    .opened = t_opened,
    .send = t_send,
    .recv = t_recv,
    .close = t_close,
    .wait = t_wait,
};

void nb_xport_tcp_init(struct nb_xport_tcp *t, uint8_t *rx, size_t rxcap, uint8_t *tx,
                       size_t txcap, const struct tcp_params *params)
{
    memset(t, 0, sizeof *t);
    t->base.ops = &tcp_ops;
    t->rx = rx;
    t->rxcap = rxcap;
    t->tx = tx;
    t->txcap = txcap;
    if (params)
        t->params = *params;
    else
        tcp_params_default(&t->params);
}
